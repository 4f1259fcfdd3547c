// Package audit checks a folder or file of configuration: it finds the
// Dockerfiles, Compose files, Kubernetes manifests, Helm charts and
// Kustomize overlays in it, hands each to its checks, resolves what spans
// files (RBAC bindings, network policies), applies inline suppressions
// and skip lists, and returns the findings in file and line order.
package audit

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/bulwark-sec/bulwark/internal/boundedfile"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/compose"
	"github.com/bulwark-sec/bulwark/misconfig/dockerfile"
	"github.com/bulwark-sec/bulwark/misconfig/helm"
	"github.com/bulwark-sec/bulwark/misconfig/host"
	"github.com/bulwark-sec/bulwark/misconfig/imageconfig"
	"github.com/bulwark-sec/bulwark/misconfig/kubernetes"
	"github.com/bulwark-sec/bulwark/misconfig/kustomize"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"github.com/bulwark-sec/bulwark/misconfig/network"
	"github.com/bulwark-sec/bulwark/misconfig/pins"
	"github.com/bulwark-sec/bulwark/misconfig/rbac"
)

// DefaultMaxFileSize bounds one configuration file; larger ones are
// skipped with a warning.
const DefaultMaxFileSize = 20 << 20

// Options tune an audit.
type Options struct {
	// PSSVersion is the Pod Security Standards version: "latest" or
	// "v1.NN".
	PSSVersion string
	// Helm values for every chart found.
	HelmValuesFiles, HelmSet, HelmSetString []string
	// SkipChecks are check IDs not to run (upper case).
	SkipChecks map[string]bool
	// Policies are the user's own checks, or nil.
	Policies Policies
	// MaxFileSize bounds one file (default DefaultMaxFileSize).
	MaxFileSize int64
	// Parallel bounds how many files are read and checked at once
	// (default GOMAXPROCS).
	Parallel int
	// Pins, when set, is asked about the image references the files pin
	// as name:tag@digest: an online check, so it is off unless asked for.
	Pins PinChecker
}

// PinChecker checks pinned image references against their registries
// (misconfig/pins implements it).
type PinChecker interface {
	CheckPins(ctx context.Context, refs []misconfig.ImageRef) ([]misconfig.Finding, []misconfig.Warning)
}

// Policies are user-written checks run on every Kubernetes object and
// Dockerfile (misconfig/custom implements it).
type Policies interface {
	CheckObjects(objs []*manifest.Object) ([]misconfig.Finding, []error)
	CheckDockerfile(file string, data []byte) ([]misconfig.Finding, error)
}

// Warning is a file that could not be checked.
type Warning = misconfig.Warning

// Result is what an audit found.
type Result struct {
	Findings   []misconfig.Finding
	Suppressed []misconfig.Finding
	// Files counts the configuration files checked (a chart or an
	// overlay counts once).
	Files    int
	Warnings []Warning
}

// Kinds of file, as misconfig.Classify names them.
const (
	kindNone       = misconfig.KindNone
	kindDockerfile = misconfig.KindDockerfile
	kindCompose    = misconfig.KindCompose
	kindManifest   = misconfig.KindManifest
)

func classify(name string) int { return misconfig.Classify(name) }

// skipDirs are folders that hold no configuration of the project's own.
var skipDirs = map[string]bool{".git": true, ".hg": true, ".svn": true, "node_modules": true}

// unit is one thing to check: a file, a chart or an overlay.
type unit struct {
	rel  string // slash path relative to the root, as reported
	kind int
	// chart and overlay units
	chart, overlay bool
	dockerignore   bool
}

// outcome is what checking one unit gave.
type outcome struct {
	findings []misconfig.Finding
	objects  []*manifest.Object
	rendered bool
	// lines maps lines of rendered chart files to their templates'
	// lines (helm.LineMap), by file name.
	lines map[string][]int
	// templateSupp holds the inline suppressions of chart templates,
	// which apply at the lines findings are mapped to.
	templateSupp map[string]misconfig.Suppressions
	supp         misconfig.Suppressions
	counted      bool
	warn         []Warning
	// images are the references a Dockerfile or Compose file names, when
	// pins are checked.
	images []misconfig.ImageRef
}

// Path audits a folder or a single file.
func Path(ctx context.Context, target string, opts Options) (*Result, error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.Parallel <= 0 {
		opts.Parallel = runtime.GOMAXPROCS(0)
	}
	if opts.PSSVersion == "" {
		opts.PSSVersion = "latest"
	}
	// A wrong --pss-version fails at once, before any file is read.
	if _, err := kubernetes.Scan(nil, kubernetes.Options{PSSVersion: opts.PSSVersion}); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	info, err := os.Stat(target)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	rootDir, units := target, []unit(nil)
	if info.IsDir() {
		if units, err = findUnits(target); err != nil {
			return nil, err
		}
	} else {
		rootDir = filepath.Dir(target)
		name := filepath.Base(target)
		k := classify(name)
		if k == kindNone {
			k = kindManifest // a file named explicitly: try it as a manifest
			if strings.EqualFold(filepath.Ext(name), ".tgz") {
				units = append(units, unit{rel: name, chart: true})
			}
		}
		if units == nil {
			_, err := os.Stat(filepath.Join(rootDir, ".dockerignore"))
			units = append(units, unit{rel: name, kind: k, dockerignore: err == nil})
		}
	}
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer root.Close()

	outcomes := make([]outcome, len(units))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Parallel)
	for i, u := range units {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			outcomes[i] = check(root, rootDir, u, opts)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := &Result{}
	var raw, rendered []misconfig.Finding
	var objects []*manifest.Object
	var images []misconfig.ImageRef
	supps := map[string]misconfig.Suppressions{}
	spans := map[string][][2]int{} // file → the line spans of its objects
	templateLines := map[string][]int{}
	for i, o := range outcomes {
		res.Warnings = append(res.Warnings, o.warn...)
		if o.counted {
			res.Files++
		}
		if !o.supp.Empty() {
			supps[units[i].rel] = o.supp
		}
		maps.Copy(supps, o.templateSupp)
		objects = append(objects, o.objects...)
		maps.Copy(templateLines, o.lines)
		images = append(images, o.images...)
		if !o.rendered {
			for _, obj := range o.objects {
				spans[obj.File] = append(spans[obj.File], [2]int{obj.Line, obj.EndLine})
			}
			if opts.Pins != nil {
				images = append(images, kubernetes.Images(o.objects)...)
			}
		}
		if o.rendered {
			rendered = append(rendered, o.findings...)
		} else {
			raw = append(raw, o.findings...)
		}
	}

	// Checks on objects, whole-input ones included: RBAC bindings and
	// network policies apply across files.
	if len(objects) > 0 {
		kf, err := kubernetes.Scan(objects, kubernetes.Options{PSSVersion: opts.PSSVersion})
		if err != nil {
			// Objects that could not be read (a value of the wrong type):
			// the others were checked.
			for _, e := range splitErrors(err) {
				res.Warnings = append(res.Warnings, Warning{Path: "kubernetes", Message: e.Error()})
			}
		}
		rs := newRenderedSet(units, outcomes)
		groups := [][]misconfig.Finding{kf, rbac.Scan(objects), network.Scan(objects)}
		n := len(raw)
		for _, g := range groups {
			n += len(g)
		}
		raw = slices.Grow(raw, n-len(raw))
		for _, group := range groups {
			for _, f := range group {
				if rs.has(f.File) {
					// Lines of rendered output are not lines of any file
					// the user has: a chart's template line where it can
					// be told, else none, and the resource names the place.
					f.StartLine, f.EndLine = templateLine(templateLines[f.File], f.StartLine), 0
					f.EndLine = f.StartLine
					rendered = append(rendered, f)
				} else {
					raw = append(raw, f)
				}
			}
		}
		if opts.Policies != nil {
			pf, errs := opts.Policies.CheckObjects(objects)
			raw = append(raw, pf...)
			for _, err := range errs {
				res.Warnings = append(res.Warnings, Warning{Path: "policy", Message: err.Error()})
			}
		}
	}
	if opts.Pins != nil && len(images) > 0 {
		pf, warnings := opts.Pins.CheckPins(ctx, images)
		raw = append(raw, pf...)
		res.Warnings = append(res.Warnings, warnings...)
	}
	all := append(raw, dropRepeats(raw, rendered)...)
	res.Findings = make([]misconfig.Finding, 0, len(all))

	for _, f := range all {
		if opts.SkipChecks[strings.ToUpper(f.CheckID)] {
			continue
		}
		if f.Suppression == "" {
			if s, ok := supps[f.File]; ok {
				f.Suppression = suppression(s, spans[f.File], f)
			}
		}
		if f.Suppression != "" {
			res.Suppressed = append(res.Suppressed, f)
		} else {
			res.Findings = append(res.Findings, f)
		}
	}
	misconfig.Sort(res.Findings)
	misconfig.Sort(res.Suppressed)
	sort.Slice(res.Warnings, func(i, j int) bool { return res.Warnings[i].Path < res.Warnings[j].Path })
	return res, nil
}

// templateLine is the template line of a rendered line, or 0.
func templateLine(m []int, line int) int {
	if line > 0 && line < len(m) {
		return m[line]
	}
	return 0
}

// suppression returns why an inline comment suppresses f, if one does: a
// comment on or above the finding's line, or one above the first line of
// the Kubernetes object the finding is in, which covers the object.
func suppression(s misconfig.Suppressions, spans [][2]int, f misconfig.Finding) string {
	if r, ok := s.Reason(f.CheckID, f.StartLine, f.EndLine); ok {
		return r
	}
	for _, sp := range spans {
		if f.StartLine >= sp[0] && f.StartLine <= sp[1] {
			if r, ok := s.Reason(f.CheckID, sp[0], sp[0]); ok {
				return r
			}
		}
	}
	return ""
}

// renderedSet knows the file names given to objects rendered from charts
// and overlays; findings on them are set aside when the same finding was
// already made on a raw file (a kustomize base is also a plain folder of
// manifests).
type renderedSet struct {
	overlays map[string]bool
	charts   []string // prefixes
}

func newRenderedSet(units []unit, outcomes []outcome) renderedSet {
	rs := renderedSet{overlays: map[string]bool{}}
	for i, u := range units {
		if !outcomes[i].rendered {
			continue
		}
		// A chart's files are only ever read rendered; an overlay's folder
		// also holds raw manifests, checked as themselves.
		if u.chart {
			rs.charts = append(rs.charts, renderedPrefix(u))
		} else if u.overlay {
			rs.overlays[overlayFile(u)] = true
		}
	}
	return rs
}

func (rs renderedSet) has(file string) bool {
	if rs.overlays[file] {
		return true
	}
	for _, p := range rs.charts {
		if strings.HasPrefix(file, p) {
			return true
		}
	}
	return false
}

// overlayFile names the objects an overlay builds.
func overlayFile(u unit) string { return path.Join(renderedPrefix(u), "kustomization.yaml") }

func renderedPrefix(u unit) string {
	if u.rel == "." {
		return ""
	}
	return u.rel + "/"
}

// dropRepeats returns the rendered findings that no raw finding already
// states about the same resource.
func dropRepeats(raw, rendered []misconfig.Finding) []misconfig.Finding {
	if len(rendered) == 0 {
		return nil
	}
	type key struct{ id, res, msg string }
	seen := map[key]bool{}
	for _, f := range raw {
		seen[key{f.CheckID, f.Resource.String(), f.Message}] = true
	}
	var out []misconfig.Finding
	for _, f := range rendered {
		k := key{f.CheckID, f.Resource.String(), f.Message}
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// findUnits walks a folder for configuration. A Helm chart is one unit
// (its templates are not YAML until rendered); a Kustomize overlay is one
// unit, and its files are still checked one by one as well.
func findUnits(dir string) ([]unit, error) {
	var units []unit
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // unreadable entries are skipped; the walk goes on
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if p != dir && skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			if helm.IsChart(p) {
				units = append(units, unit{rel: rel, chart: true})
				return filepath.SkipDir
			}
			if kustomize.IsKustomization(p) {
				units = append(units, unit{rel: rel, overlay: true})
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		k := classify(d.Name())
		if k == kindNone {
			return nil
		}
		u := unit{rel: rel, kind: k}
		if k == kindDockerfile {
			_, err := os.Stat(filepath.Join(filepath.Dir(p), ".dockerignore"))
			u.dockerignore = err == nil
		}
		units = append(units, u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return units, nil
}

// check checks one unit. Problems with it are warnings: the rest of the
// audit goes on.
func check(root *os.Root, rootDir string, u unit, opts Options) (o outcome) {
	defer func() {
		if r := recover(); r != nil {
			o = outcome{warn: []Warning{{Path: u.rel, Message: fmt.Sprintf("internal error: %v", r)}}}
		}
	}()
	warn := func(err error) outcome {
		// Say it once, relative to the scanned folder: the libraries
		// repeat their name and absolute paths.
		msg := strings.ReplaceAll(err.Error(), filepath.Join(rootDir, filepath.FromSlash(u.rel))+string(filepath.Separator), "")
		msg = strings.ReplaceAll(msg, filepath.Join(rootDir, filepath.FromSlash(u.rel))+": ", "")
		msg = strings.TrimPrefix(msg, u.rel+": ")
		for _, lib := range []string{"helm: ", "kustomize: "} {
			for strings.HasPrefix(msg, lib+lib) {
				msg = strings.TrimPrefix(msg, lib)
			}
		}
		return outcome{warn: []Warning{{Path: u.rel, Message: msg}}}
	}
	switch {
	case u.chart:
		files, err := helm.Render(filepath.Join(rootDir, filepath.FromSlash(u.rel)), helm.Options{
			ValuesFiles: opts.HelmValuesFiles, Set: opts.HelmSet, SetString: opts.HelmSetString,
		})
		if err != nil {
			return warn(fmt.Errorf("helm: %w", err))
		}
		o = outcome{rendered: true, counted: true, lines: map[string][]int{}, templateSupp: map[string]misconfig.Suppressions{}}
		for _, f := range files {
			name := path.Join(renderedPrefix(u), chartRelative(f.Template))
			objs, err := manifest.Decode(name, f.Data)
			if err != nil {
				o.warn = append(o.warn, Warning{Path: name, Message: err.Error()})
			}
			o.objects = append(o.objects, objs...)
			// The template itself, when it is a file in the folder (not
			// in a packaged chart or subchart), lets findings point into it.
			if src, err := readFile(root, name, opts.MaxFileSize); err == nil {
				o.lines[name] = helm.LineMap(src, f.Data)
				if sp := misconfig.ParseComments(src); !sp.Empty() {
					o.templateSupp[name] = sp
				}
			}
		}
		return o
	case u.overlay:
		data, err := kustomize.Build(rootDir, filepath.Join(rootDir, filepath.FromSlash(u.rel)))
		if err != nil {
			return warn(fmt.Errorf("kustomize: %w", err))
		}
		name := overlayFile(u)
		objs, err := manifest.Decode(name, data)
		if err != nil {
			return warn(err)
		}
		return outcome{rendered: true, counted: true, objects: objs}
	}

	data, err := readFile(root, u.rel, opts.MaxFileSize)
	if err != nil {
		return warn(err)
	}
	o.supp = misconfig.ParseComments(data)
	switch u.kind {
	case kindDockerfile:
		o.counted = true
		fs, err := dockerfile.Scan(u.rel, data, dockerfile.Options{Dockerignore: u.dockerignore})
		if err != nil {
			o.warn = append(o.warn, Warning{Path: u.rel, Message: err.Error()})
		}
		o.findings = fs
		if opts.Pins != nil {
			o.images, _ = dockerfile.Images(u.rel, data) // its errors are the Scan's, warned above
		}
		if opts.Policies != nil {
			pf, err := opts.Policies.CheckDockerfile(u.rel, data)
			if err != nil {
				o.warn = append(o.warn, Warning{Path: u.rel, Message: err.Error()})
			}
			o.findings = append(o.findings, pf...)
		}
	case kindCompose:
		o.counted = true
		fs, err := compose.Scan(u.rel, data)
		if err != nil {
			o.warn = append(o.warn, Warning{Path: u.rel, Message: err.Error()})
		}
		o.findings = fs
		if opts.Pins != nil {
			o.images, _ = compose.Images(u.rel, data) // its errors are the Scan's, warned above
		}
	case kindManifest:
		objs, err := manifest.Decode(u.rel, data)
		if err != nil && misconfig.LooksLikeKubernetes(data) {
			o.warn = append(o.warn, Warning{Path: u.rel, Message: strings.TrimPrefix(err.Error(), u.rel+": ")})
		}
		if len(objs) > 0 || (err != nil && misconfig.LooksLikeKubernetes(data)) {
			o.counted = true
		}
		o.objects = objs
	}
	return o
}

// chartRelative drops the chart's own name from a rendered template path
// ("web/templates/svc.yaml" → "templates/svc.yaml"), since the chart's
// folder is already the prefix.
func chartRelative(template string) string {
	if _, rest, ok := strings.Cut(template, "/"); ok {
		return rest
	}
	return template
}

// readFile reads a file through root, so a symlink cannot lead outside the
// scanned folder, up to max bytes.
func readFile(root *os.Root, rel string, max int64) ([]byte, error) {
	f, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return boundedfile.Read(f, max)
}

// Checks lists every built-in check, image and host audits included, by
// ID.
func Checks() []misconfig.Check {
	var all []misconfig.Check
	for _, list := range [][]misconfig.Check{
		dockerfile.Checks(), imageconfig.Checks(), kubernetes.Checks(), rbac.Checks(), network.Checks(), compose.Checks(),
		host.Checks(), pins.Checks(),
	} {
		all = append(all, list...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}

// splitErrors undoes errors.Join.
func splitErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
