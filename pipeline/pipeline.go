// Package pipeline runs a whole scan of one target the way every caller
// wants it: open the target, walk it once with the chosen scanners, match
// its packages against the vulnerability database (downloading or
// refreshing it first by the database policy), filter by severity and skip
// lists, triage with ignore files and VEX, and hand back one report. The
// command line, and later the server and the admission webhook, only choose
// options and render the result.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/cache"
	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/extract/configfiles"
	"github.com/bulwark-sec/bulwark/extract/secrets"
	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/layerfs"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/audit"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/secret"
	"github.com/bulwark-sec/bulwark/triage"
	"github.com/bulwark-sec/bulwark/verify"
)

// ErrOptions marks options that cannot be run (a wrong package kind, an
// archive depth out of range): the caller's mistake, not the target's.
var ErrOptions = errors.New("invalid options")

// Target names the one thing to scan; exactly one field is set.
type Target struct {
	// Reference is an image in a registry.
	Reference string
	// Input is a docker-archive or oci-archive tarball, or an OCI layout
	// directory (":TAG" picks one image of several).
	Input string
	// Rootfs is an unpacked root filesystem.
	Rootfs string
	// Dir is a source folder: lockfiles, manifests, text files.
	Dir string
	// SBOM is a CycloneDX or SPDX JSON file whose packages are matched
	// in place of an image's: only the vuln scanner applies.
	SBOM string
}

// Check reports whether exactly one way of naming a target is used.
func (t Target) Check() error {
	n := 0
	for _, s := range []string{t.Reference, t.Input, t.Rootfs, t.Dir, t.SBOM} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%w: name exactly one image reference, --input, --rootfs, --dir or --from-sbom", ErrOptions)
	}
	return nil
}

// Scanners choose what a scan looks for beyond the inventory.
type Scanners struct {
	Vuln bool
	// Secret scans every file and the image configuration with
	// Options.Secrets (the built-in rules when nil).
	Secret bool
	// Misconfig audits an image's configuration and files, or a folder's
	// Dockerfiles, manifests, charts, overlays and Compose files.
	Misconfig bool
}

// MaxArchiveDepth bounds Options.ArchiveDepth: real archives nest two or
// three levels (a jar in a war in an ear).
const MaxArchiveDepth = 8

// Options control one run. The zero value lists a target's packages.
type Options struct {
	Scanners Scanners
	// PackageKinds are "os", "library" or both (the default); "none"
	// lists no packages (secret scanning alone).
	PackageKinds []string
	// Image reaches registries and bounds layers.
	Image image.Options
	// Parallel is how many layers (or folder files) are read at once.
	Parallel int
	// CacheDir holds the layer cache and the database (default the user
	// cache directory's bulwark folder); NoCache turns the layer cache off.
	CacheDir string
	NoCache  bool
	// LayerCache, when set, replaces the on-disk layer cache: a scan
	// server's workers share one (on Redis), and a client scanning for a
	// server uses the server's. A cache that is also a layerfs.Locker has
	// each missing layer analysed once between all its users.
	LayerCache layerfs.Cache

	// Secrets is the secret engine (rules and allowlists); ArchiveDepth,
	// when above 0, opens archives that many levels deep for it.
	Secrets      *secret.Engine
	ArchiveDepth int

	// Severities to report; nil keeps every one.
	Severities map[string]bool
	// SkipChecks are configuration check IDs (upper case) not to report.
	SkipChecks map[string]bool
	// IgnoreUnfixed leaves out vulnerabilities with no fixed version.
	IgnoreUnfixed bool
	// Ignore and VEX set findings aside as suppressed.
	Ignore *triage.Ignore
	VEX    []*triage.VEX

	// Signatures is the signature policy (keys, identities, trusted
	// root) for RequireSignature and VEXFromAttestation.
	Signatures *verify.Options
	// RequireSignature checks the image's signatures first, and scans
	// exactly the digest checked; when none meets the policy, that is a
	// finding (GateCount) with its reason in Report.Signatures.
	RequireSignature bool
	// VEXFromAttestation adds the OpenVEX documents of the image's
	// attestations that the policy verifies to VEX.
	VEXFromAttestation bool

	// DB is the vulnerability database policy.
	DB DBOptions
	// AllowUncovered scans a target none of whose packages the database
	// covers, instead of failing.
	AllowUncovered bool

	// Tool names the program in the report (default Tool()); Now stamps
	// it (tests fix it).
	Tool result.Tool
	Now  func() time.Time
	// Progress, when set, is told how many layers there are and then
	// follows the walk.
	Progress Progress
	// Log receives the lines a person watching the scan should see:
	// warnings, database downloads. Quiet keeps back all but the ones
	// that change what the report means.
	Log   io.Writer
	Quiet bool
}

// Progress follows a scan's layer walk.
type Progress interface {
	Start(layers int)
	Event(layerfs.ProgressEvent)
	Finish()
}

func (o *Options) logf(always bool, format string, args ...any) {
	if o.Log == nil || (o.Quiet && !always) {
		return
	}
	fmt.Fprintf(o.Log, "bulwark: "+format+"\n", args...)
}

// cacheRoot is the directory the layer cache and the database live in.
func (o *Options) cacheRoot() (string, error) {
	if o.CacheDir != "" {
		return o.CacheDir, nil
	}
	return cache.DefaultDir()
}

// Extractors turns package kinds into the extractors a scan runs.
func Extractors(kinds []string) ([]extract.Extractor, error) {
	if len(kinds) == 0 {
		kinds = []string{"os", "library"}
	}
	var exts []extract.Extractor
	seen := map[string]bool{}
	for _, k := range kinds {
		k = strings.TrimSpace(k)
		if seen[k] {
			continue
		}
		seen[k] = true
		switch k {
		case "none": // secret scanning alone
		case "os":
			exts = append(exts, scan.OSExtractors()...)
		case "library":
			exts = append(exts, scan.LanguageExtractors()...)
		default:
			return nil, fmt.Errorf("%w: unknown --pkg-types %q (want os, library or os,library)", ErrOptions, k)
		}
	}
	return exts, nil
}

// Run scans target and returns its report.
func Run(ctx context.Context, target Target, opts Options) (*report.Report, error) {
	if err := target.Check(); err != nil {
		return nil, err
	}
	if target.SBOM != "" {
		return opts.runSBOM(ctx, target.SBOM)
	}
	if opts.ArchiveDepth < 0 || opts.ArchiveDepth > MaxArchiveDepth {
		return nil, fmt.Errorf("%w: --archive-depth %d is outside 0 to %d", ErrOptions, opts.ArchiveDepth, MaxArchiveDepth)
	}
	exts, err := Extractors(opts.PackageKinds)
	if err != nil {
		return nil, err
	}
	if opts.Scanners.Secret && opts.Secrets == nil {
		opts.Secrets = secret.New(secret.Builtin(), secret.Options{MaxFileSize: secrets.MaxSize})
	}
	folderAudit := target.Dir != "" && opts.Scanners.Misconfig
	sigs, err := opts.checkSignatures(ctx, &target)
	if err != nil {
		return nil, err
	}
	res, err := opts.scanTarget(ctx, target, exts)
	if err != nil {
		return nil, err
	}
	rep := &report.Report{
		SchemaVersion:     report.SchemaVersion,
		Tool:              opts.tool(),
		CreatedAt:         opts.now(),
		Artifact:          res.Artifact,
		Inventory:         res.Inventory,
		Secrets:           res.Secrets,
		Misconfigurations: res.Misconfigurations,
		Warnings:          res.Warnings,
		Signatures:        sigs,
	}
	if opts.Scanners.Misconfig && target.Dir == "" {
		if err := opts.auditImageFiles(ctx, res.ConfigFiles, rep); err != nil {
			return nil, err
		}
	}
	if folderAudit {
		ares, err := audit.Path(ctx, target.Dir, audit.Options{SkipChecks: opts.SkipChecks, Parallel: opts.Parallel})
		if err != nil {
			return nil, err
		}
		rep.Misconfigurations = append([]misconfig.Finding{}, ares.Findings...)
		rep.SuppressedMisconfigurations = ares.Suppressed
		rep.ConfigFiles = ares.Files
		for _, w := range ares.Warnings {
			rep.Warnings = append(rep.Warnings, result.Warning{Layer: -1, Path: w.Path, Message: w.Message})
		}
	}
	if rep.Secrets != nil {
		kept := []result.Secret{}
		for _, s := range rep.Secrets {
			if opts.keepSeverity(s.Severity) {
				kept = append(kept, s)
			}
		}
		rep.Secrets = kept
	}
	if rep.Misconfigurations != nil {
		kept := []misconfig.Finding{}
		for _, m := range rep.Misconfigurations {
			if opts.keepSeverity(m.Severity) && !opts.SkipChecks[strings.ToUpper(m.CheckID)] {
				kept = append(kept, m)
			}
		}
		rep.Misconfigurations = kept
	}
	if opts.Scanners.Vuln {
		if err := opts.matchVulnerabilities(ctx, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

func (o *Options) keepSeverity(s string) bool {
	return o.Severities == nil || o.Severities[s]
}

// scanTarget opens the target and walks it once with every extractor the
// scanners need.
func (o *Options) scanTarget(ctx context.Context, target Target, exts []extract.Extractor) (*scan.Result, error) {
	var src *image.Source
	var err error
	switch {
	case target.Rootfs != "":
		src, err = image.OpenRootfs(target.Rootfs)
	case target.Dir != "":
		src, err = image.OpenDir(target.Dir)
	case target.Input != "":
		src, err = image.Open(ctx, target.Input, o.Image)
	default:
		src, err = image.Open(ctx, target.Reference, o.Image)
	}
	if err != nil {
		return nil, err
	}
	defer src.Close()

	var engine *secret.Engine
	if o.Scanners.Secret {
		engine = o.Secrets
		exts = append(exts, secrets.Extractor{Engine: engine})
		if o.ArchiveDepth > 0 {
			exts = append(exts, secrets.ArchiveExtractor{Engine: engine, Depth: o.ArchiveDepth})
		}
	}
	if o.Scanners.Misconfig && target.Dir == "" {
		exts = append(exts, configfiles.Extractor{})
	}
	sopts := scan.Options{
		Extractors:  exts,
		Parallel:    o.Parallel,
		Secrets:     engine,
		ImageConfig: o.Scanners.Misconfig && target.Dir == "",
	}
	tmpParent := ""
	if o.LayerCache != nil {
		sopts.Cache = o.LayerCache
	} else if !o.NoCache {
		dir, err := o.cacheRoot()
		if err != nil {
			return nil, err
		}
		c, err := cache.Open(dir)
		if err != nil {
			// A busy or unwritable cache slows the scan; it does not stop it.
			o.logf(true, "warning: %v; scanning without the cache", err)
		} else {
			defer c.Close()
			sopts.Cache = c
			tmpParent = dir
		}
	}
	tmp, err := os.MkdirTemp(tmpParent, "bulwark-scan-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	sopts.TempDir = tmp

	if o.Progress != nil {
		o.Progress.Start(len(src.Layers))
		sopts.Progress = o.Progress.Event
	}
	res, err := scan.Run(ctx, src, sopts)
	if o.Progress != nil {
		o.Progress.Finish()
	}
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		loc := w.Path
		if w.Layer >= 0 {
			loc = fmt.Sprintf("layer %d: %s", w.Layer, w.Path)
		}
		o.logf(false, "warning: %s: %s", loc, w.Message)
	}
	return res, nil
}

// ParseScanners reads a --scanners list: vuln, secret, misconfig (or
// config).
func ParseScanners(list string) (Scanners, error) {
	var sc Scanners
	for _, s := range strings.Split(list, ",") {
		switch strings.TrimSpace(s) {
		case "vuln":
			sc.Vuln = true
		case "secret":
			sc.Secret = true
		case "misconfig", "config":
			sc.Misconfig = true
		default:
			return sc, fmt.Errorf("%w: unknown --scanners value %q (want vuln, secret, misconfig)", ErrOptions, s)
		}
	}
	return sc, nil
}

// SecretEngine builds the secret engine: the built-in rules, changed by
// the configuration file at configPath when one is named.
func SecretEngine(configPath string) (*secret.Engine, error) {
	rules, opts := secret.Builtin(), secret.Options{MaxFileSize: secrets.MaxSize}
	if configPath != "" {
		cfg, err := secret.LoadConfig(configPath)
		if err != nil {
			return nil, err
		}
		if rules, opts, err = cfg.Apply(rules, opts); err != nil {
			return nil, fmt.Errorf("%s: %w", configPath, err)
		}
	}
	return secret.New(rules, opts), nil
}

// GateCount is what a CI gate counts in a report: the findings that remain
// after filtering, or when there are none, the packages no database
// covered (unless allowUncovered), since no finding is not the same as no
// vulnerability. why explains a count made of uncovered packages.
func GateCount(rep *report.Report, allowUncovered bool) (n int, why string) {
	n = len(rep.Vulnerabilities) + len(rep.Secrets) + len(rep.Misconfigurations)
	if rep.Signatures != nil && !rep.Signatures.Verified {
		n++ // a failed signature check is one finding
	}
	if u := rep.Coverage.UncoveredPackages(); n == 0 && u > 0 && !allowUncovered {
		e := rep.Coverage.Uncovered[0]
		return u, fmt.Sprintf("%d packages were not checked for vulnerabilities (%s: %s); --allow-uncovered accepts that", u, e.Ecosystem, e.Reason)
	}
	return n, ""
}

// version is set at build time with
// -ldflags "-X github.com/bulwark-sec/bulwark/pipeline.version=...".
var version = ""

// Tool names this program and its version: the one set at build time, or
// the module version Go recorded, or "dev".
func Tool() result.Tool {
	v := version
	if bi, ok := debug.ReadBuildInfo(); v == "" && ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	return result.Tool{Name: "bulwark", Version: v}
}

func (o *Options) tool() result.Tool {
	if o.Tool == (result.Tool{}) {
		return Tool()
	}
	return o.Tool
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}
