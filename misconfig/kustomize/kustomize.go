// Package kustomize builds kustomizations, the way `kustomize build` does,
// so that the Kubernetes checks can run on what an overlay would deploy.
// It uses the kustomize API (krusty) on the disk, confined for untrusted
// input:
//
//   - Nothing is fetched: a git or http(s) base, resource, patch or
//     generator input is refused before kustomize sees it, and so is
//     helmCharts (it runs the helm binary and pulls charts).
//   - Only builtin generators and transformers run: no exec or container
//     (KRM function) plugins.
//   - Files are read only inside root, the scanned folder, after
//     resolving symlinks; within that, each kustomization may load files
//     only from its own folder and below (kustomize's default,
//     LoadRestrictionsRootOnly), while bases and components may be any
//     folder under root, as overlays commonly use ../base.
//   - The file system is read-only; file sizes, the total read, alias
//     expansion in YAML and the output are bounded.
package kustomize

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/bulwark-sec/bulwark/misconfig/manifest"
)

// Limits on one build.
const (
	MaxFileSize = 16 << 20
	// MaxRead bounds all the reading of one build: kustomize reads a base
	// again for every overlay path that reaches it.
	MaxRead   = 256 << 20
	MaxOutput = 64 << 20
	MaxDepth  = 100
)

// ErrRemote is returned for a kustomization that refers to a remote
// resource (git or http): scans do not fetch.
var ErrRemote = errors.New("remote resources are not fetched")

// ErrOutside is returned for a path that leaves the scanned root.
var ErrOutside = errors.New("path is outside the scanned folder")

// ErrTooComplex is returned for a YAML file whose aliases would expand
// far beyond its size, or that nests too deeply.
var ErrTooComplex = errors.New("document expands too far through aliases or nests too deeply")

// IsKustomization reports whether dir holds a kustomization file
// (kustomization.yaml, kustomization.yml or Kustomization).
func IsKustomization(dir string) bool {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// buildMu serialises builds: kustomize keeps the OpenAPI schema a
// kustomization selects in process-wide state, set at each build.
var buildMu sync.Mutex

// Build runs the kustomization in dir and returns the resources as
// multi-document YAML. dir must be root or a folder inside it; nothing
// outside root is read.
func Build(root, dir string) (out []byte, err error) {
	realRoot, err := realPath(root)
	if err != nil {
		return nil, fmt.Errorf("kustomize: root: %w", err)
	}
	realDir, err := realPath(dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize: %w", err)
	}
	if !within(realRoot, realDir) {
		return nil, fmt.Errorf("kustomize: %s: %w %s", dir, ErrOutside, root)
	}
	fsys := &confined{disk: filesys.MakeFsOnDisk(), root: realRoot, left: MaxRead}

	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	opts.PluginConfig = types.DisabledPluginConfig() // builtins only, helm off

	buildMu.Lock()
	defer buildMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("kustomize: %s: panic: %v", dir, r)
		}
	}()
	m, err := krusty.MakeKustomizer(opts).Run(fsys, realDir)
	if err != nil {
		// Kustomize hides some read errors (it looks for a kustomization
		// under several names, and tries a resource as a file and then as
		// a folder): say what was refused, if anything was.
		if refused := fsys.refusal(); refused != nil {
			return nil, fmt.Errorf("kustomize: %s: %w", dir, refused)
		}
		return nil, fmt.Errorf("kustomize: %s: %w", dir, err)
	}
	out, err = m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize: %s: %w", dir, err)
	}
	if len(out) > MaxOutput {
		return nil, fmt.Errorf("kustomize: %s: output is larger than %d bytes", dir, MaxOutput)
	}
	return out, nil
}

func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// confined is the file system kustomize sees: the disk, read-only, inside
// root only, with every file checked before kustomize parses it.
type confined struct {
	disk    filesys.FileSystem
	root    string
	mu      sync.Mutex
	left    int64 // of MaxRead
	refused error // the first refusal
}

// refuse records err as the first refusal and returns it.
func (c *confined) refuse(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refused == nil {
		c.refused = err
	}
	return err
}

func (c *confined) refusal() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refused
}

var errReadOnly = errors.New("kustomize: the scanned file system is read-only")

// resolve returns the real path of an existing p, refusing one outside
// root.
func (c *confined) resolve(p string) (string, error) {
	real, err := realPath(p)
	if err != nil {
		return "", err
	}
	if !within(c.root, real) {
		return "", c.refuse(fmt.Errorf("%s: %w", p, ErrOutside))
	}
	return real, nil
}

func (c *confined) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (c *confined) Mkdir(string) error                  { return errReadOnly }
func (c *confined) MkdirAll(string) error               { return errReadOnly }
func (c *confined) RemoveAll(string) error              { return errReadOnly }
func (c *confined) WriteFile(string, []byte) error      { return errReadOnly }

func (c *confined) Open(p string) (filesys.File, error) {
	real, err := c.resolve(p)
	if err != nil {
		return nil, err
	}
	return c.disk.Open(real)
}

func (c *confined) IsDir(p string) bool {
	real, err := c.resolve(p)
	return err == nil && c.disk.IsDir(real)
}

func (c *confined) ReadDir(p string) ([]string, error) {
	real, err := c.resolve(p)
	if err != nil {
		return nil, err
	}
	return c.disk.ReadDir(real)
}

// CleanedAbs splits p into its real folder and file name, as the disk
// file system does, but refuses paths outside root.
func (c *confined) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	real, err := c.resolve(p)
	if err != nil {
		return "", "", err
	}
	if c.disk.IsDir(real) {
		return filesys.ConfirmedDir(real), "", nil
	}
	return filesys.ConfirmedDir(filepath.Dir(real)), filepath.Base(real), nil
}

func (c *confined) Exists(p string) bool {
	_, err := c.resolve(p)
	return err == nil
}

func (c *confined) Glob(pattern string) ([]string, error) {
	matches, err := c.disk.Glob(pattern)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		if _, err := c.resolve(m); err == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

func (c *confined) Walk(p string, fn filepath.WalkFunc) error {
	real, err := c.resolve(p)
	if err != nil {
		return err
	}
	return c.disk.Walk(real, fn)
}

// ReadFile reads a file inside root within the size limits, and checks
// YAML content before kustomize acts on it: alias bombs, and references
// to remote resources (which kustomize would fetch).
func (c *confined) ReadFile(p string) ([]byte, error) {
	real, err := c.resolve(p)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, c.refuse(fmt.Errorf("%s: not a regular file", p))
	}
	if fi.Size() > MaxFileSize {
		return nil, c.refuse(fmt.Errorf("%s: larger than %d bytes", p, MaxFileSize))
	}
	c.mu.Lock()
	c.left -= fi.Size()
	left := c.left
	c.mu.Unlock()
	if left < 0 {
		return nil, c.refuse(fmt.Errorf("%s: the build reads more than %d bytes", p, MaxRead))
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, c.refuse(fmt.Errorf("%s: larger than %d bytes", p, MaxFileSize))
	}
	if err := inspect(filepath.Base(real), data); err != nil {
		return nil, c.refuse(fmt.Errorf("%s: %w", p, err))
	}
	return data, nil
}

// kustomizationFile reports the names kustomize reads kustomizations
// from.
func kustomizationFile(name string) bool {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		if name == n {
			return true
		}
	}
	return false
}

// inspect checks a file's YAML documents. Content that is not YAML is
// left alone: kustomize reports it if it needed YAML there.
func inspect(name string, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml parser panic: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	budget := 4*len(data) + 4096
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return nil // not YAML, or broken: kustomize will say
		}
		if !manifest.Bounded(&doc, &budget) {
			return ErrTooComplex
		}
		t := top(&doc)
		_, kind := field(t, "kind")
		switch {
		case kustomizationFile(name):
			if k, _ := field(t, "helmCharts"); k != nil {
				return errors.New("helmCharts need the helm binary and a chart repository, which scans do not use; render the chart separately")
			}
			if k, _ := field(t, "helmChartInflationGenerator"); k != nil {
				return errors.New("helmChartInflationGenerator needs the helm binary, which scans do not use")
			}
		case kind != nil && builtinKinds[kind.Value]:
			// A generator or transformer configuration in its own file.
			if kind.Value == "HelmChartInflationGenerator" {
				return errors.New("HelmChartInflationGenerator needs the helm binary, which scans do not use")
			}
		default:
			continue // a resource: kustomize does not load what it names
		}
		if err := remoteRefs(t, "", 0); err != nil {
			return err
		}
	}
}

// builtinKinds are the kinds of kustomize's builtin generators and
// transformers, whose configurations may name files to load.
var builtinKinds = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range krusty.GetBuiltinPluginNames() {
		m[n] = true
	}
	return m
}()

func top(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0]
	}
	return doc
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < MaxDepth; i++ {
		n = n.Alias
	}
	return n
}

func field(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if deref(n.Content[i]).Value == key {
			return n.Content[i], deref(n.Content[i+1])
		}
	}
	return nil, nil
}

// pathKeys are the keys under which a kustomization, or a builtin
// generator or transformer configuration, names a file, a folder or a
// repository for kustomize to load.
var pathKeys = map[string]bool{
	"resources": true, "bases": true, "components": true, "crds": true, "configurations": true,
	"generators": true, "transformers": true, "validators": true, "patchesStrategicMerge": true,
	"path": true, "paths": true, "files": true, "envs": true, "env": true,
}

// inlineKeys hold entries that may be whole YAML documents written inline
// instead of file names.
var inlineKeys = map[string]bool{
	"generators": true, "transformers": true, "validators": true, "patchesStrategicMerge": true,
}

// remoteRefs looks for remote references under the path keys, at any
// depth: a kustomization's own fields, inline generator and transformer
// configurations, and those read from files.
func remoteRefs(n *yaml.Node, key string, depth int) error {
	n = deref(n)
	if n == nil || depth > MaxDepth {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if !pathKeys[key] {
			return nil
		}
		if remote(n.Value) {
			return fmt.Errorf("line %d: %s entry %q: %w", n.Line, key, n.Value, ErrRemote)
		}
		if inlineKeys[key] && strings.Contains(n.Value, "\n") {
			var inline yaml.Node
			if yaml.Unmarshal([]byte(n.Value), &inline) == nil {
				budget := 4*len(n.Value) + 4096
				if !manifest.Bounded(&inline, &budget) {
					return ErrTooComplex
				}
				return remoteRefs(top(&inline), "", depth+1)
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := remoteRefs(c, key, depth+1); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := remoteRefs(n.Content[i+1], deref(n.Content[i]).Value, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

var scpUser = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*@`)

// remote reports whether a reference is one kustomize would fetch: a URL
// (http, https, ssh, file, git), an scp-style address (git@host:repo) or
// a github.com/owner/repo shorthand. A "key=" prefix, as in generator
// file sources, is looked through.
func remote(ref string) bool {
	s := strings.TrimSpace(ref)
	if k, v, ok := strings.Cut(s, "="); ok && !strings.ContainsAny(k, "/:") {
		s = strings.TrimSpace(v)
	}
	low := strings.ToLower(s)
	low = strings.TrimPrefix(low, "git::")
	if strings.Contains(low, "://") || scpUser.MatchString(low) ||
		strings.HasPrefix(low, "github.com/") || strings.HasPrefix(low, "github.com:") {
		return true
	}
	if u, err := url.Parse(low); err == nil {
		switch u.Scheme {
		case "http", "https", "ssh", "file", "git":
			return true
		}
	}
	return false
}
