// Package compose checks Docker Compose files for insecure service
// settings: privileged containers, host namespaces, the Docker socket or
// host system folders mounted, confinement turned off, secrets written
// into the environment, and the like.
//
// A file is loaded with compose-go, which applies what Compose itself
// applies (variable interpolation, YAML merge keys, extends, canonical
// forms of ports and volumes), and also parsed as a YAML node tree, from
// which each finding takes its line: compose-go keeps no positions.
//
// Loading is confined to the file itself and its folder. Nothing is read
// from the process environment or from .env and env_file files: a
// variable is treated as unset, so ${X:-default} gives the default and a
// missing ${X:?message} gives an empty value instead of an error.
// include is not followed (each included file is scanned on its own);
// extends.file is followed only to files inside the compose file's folder,
// never to remote resources.
package compose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	interp "github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/tree"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
)

// Limits on one file. Compose files are small; anything near these is
// not one.
const (
	MaxSize  = 4 << 20
	MaxDepth = 100
	// maxBase bounds a file named by extends.file.
	maxBase = MaxSize
)

// ErrTooComplex is returned for a file whose YAML aliases would expand far
// beyond its own size (a "billion laughs" bomb) or that nests too deeply.
var ErrTooComplex = errors.New("compose: document expands too far through aliases or nests too deeply")

// Scan checks one Compose file. file is the path reported in findings and
// the place extends.file is resolved from; data is its content.
//
// When a base named by extends.file cannot be used (missing, outside the
// file's folder, remote), the services are checked as written, without
// what they would inherit, and the error saying so comes back together
// with those findings.
func Scan(file string, data []byte) ([]misconfig.Finding, error) {
	src, proj, err := loadFile(file, data)
	if proj == nil {
		return nil, err
	}
	return checkProject(file, src, proj), err
}

// loadFile parses a compose file as YAML nodes and as a project. When
// extends cannot be followed, the project is the file's own settings
// alone, with an error that says so.
func loadFile(file string, data []byte) (source, *types.Project, error) {
	if len(data) > MaxSize {
		return source{}, nil, fmt.Errorf("compose: %s: %d bytes, more than the %d a compose file may have", file, len(data), MaxSize)
	}
	src, err := parseSource(data)
	if err != nil {
		return src, nil, fmt.Errorf("compose: %s: %w", file, err)
	}
	proj, err := load(file, data, false)
	if err != nil && src.hasExtendsFile() {
		// Check the file's own settings without what they inherit, and say
		// why inheritance was left out.
		if p, retryErr := load(file, data, true); retryErr == nil {
			return src, p, fmt.Errorf("compose: %s: extends not followed: %w", file, err)
		}
	}
	if err != nil {
		return src, nil, fmt.Errorf("compose: %s: %w", file, err)
	}
	return src, proj, nil
}

// Images lists the images the file's services and jobs run (not those
// they build), each at the line of its image key.
func Images(file string, data []byte) ([]misconfig.ImageRef, error) {
	src, proj, err := loadFile(file, data)
	if proj == nil {
		return nil, err
	}
	var out []misconfig.ImageRef
	for _, w := range workloadsOf(proj) {
		if w.work.Build != nil || w.spec.Image == "" {
			continue
		}
		line, node := src.workload(w.section, w.name)
		out = append(out, misconfig.ImageRef{
			Image: w.spec.Image, File: file, Line: place{line: line, node: node}.of("image"),
			Resource: misconfig.Resource{Kind: w.kind, Name: w.name},
		})
	}
	return out, err
}

func checkProject(file string, src source, proj *types.Project) []misconfig.Finding {
	var findings []misconfig.Finding
	for _, w := range workloadsOf(proj) {
		findings = append(findings, checkWorkload(file, src, w)...)
	}
	misconfig.Sort(findings)
	return findings
}

// load runs compose-go over the file's bytes.
func load(file string, data []byte, skipExtends bool) (proj *types.Project, err error) {
	defer func() {
		if r := recover(); r != nil {
			proj, err = nil, fmt.Errorf("compose loader panic: %v", r)
		}
	}()
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(abs)
	details := types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: abs, Content: data}},
		Environment: types.Mapping{},
	}
	return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName("bulwark", true)
		o.SkipValidation = true // report what is there, even in a file Compose would reject
		o.SkipConsistencyCheck = true
		o.SkipNormalization = true
		o.SkipResolveEnvironment = true // env_file is not read
		o.SkipResolveLabels = true      // nor label_file
		o.SkipInclude = true
		o.SkipExtends = skipExtends
		o.ResolvePaths = false // keep bind sources as written
		o.ResourceLoaders = []loader.ResourceLoader{confined{root: dir}}
		if o.Interpolate != nil {
			o.Interpolate.LookupValue = func(string) (string, bool) { return "", false }
			o.Interpolate.Substitute = substitute
			o.Interpolate.TypeCastMapping = lenientCasts(o.Interpolate.TypeCastMapping)
		}
	})
}

// substitute interpolates like Compose, except that a missing required
// variable (${X:?message}) becomes empty instead of failing the load, and
// nothing is logged.
func substitute(s string, m template.Mapping) (string, error) {
	return template.SubstituteWithOptions(s, m, template.WithoutLogging,
		template.WithReplacementFunction(func(sub string, m template.Mapping, cfg *template.Config) (string, error) {
			v, _, err := template.DefaultReplacementAppliedFunc(sub, m, cfg)
			var missing *template.MissingRequiredError
			if errors.As(err, &missing) {
				return "", nil
			}
			return v, err
		}))
}

// lenientCasts wraps compose-go's typed casts (booleans, numbers) so that
// a value left empty by an unset variable drops the field instead of
// failing the load. It builds a new map: the one passed in is shared.
func lenientCasts(in map[tree.Path]interp.Cast) map[tree.Path]interp.Cast {
	out := make(map[tree.Path]interp.Cast, len(in))
	for p, cast := range in {
		out[p] = func(v string) (any, error) {
			if strings.TrimSpace(v) == "" {
				return nil, nil
			}
			return cast(v)
		}
	}
	return out
}

// confined resolves extends.file references: local files inside root
// only, no remote resources, size-capped.
type confined struct{ root string }

func (c confined) Accept(string) bool { return true }

func (c confined) Load(_ context.Context, p string) (string, error) {
	if remote(p) {
		return "", fmt.Errorf("remote resource %q is not fetched", p)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(c.root, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	root, err := filepath.EvalSymlinks(c.root)
	if err != nil {
		return "", err
	}
	if !within(root, real) {
		return "", fmt.Errorf("%s is outside the compose file's folder %s", p, c.root)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxBase {
		return "", fmt.Errorf("%s is not a regular file of at most %d bytes", p, maxBase)
	}
	data, err := os.ReadFile(real)
	if err != nil {
		return "", err
	}
	if _, err := parseSource(data); err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	return real, nil
}

func (c confined) Dir(p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(c.root, p)
	}
	return filepath.Dir(p)
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// remote reports whether a reference names something that is not a local
// path: a URL or an scp-style git address.
func remote(p string) bool {
	if strings.Contains(p, "://") {
		return true
	}
	if at := strings.Index(p, "@"); at > 0 && strings.Contains(p[at:], ":") {
		return true
	}
	return false
}

// workload is a service or a job with what the checks read.
type workload struct {
	kind, section, name string
	spec                *types.ContainerSpec
	work                *types.WorkloadSpec
	svc                 *types.ServiceConfig // nil for jobs
}

func workloadsOf(p *types.Project) []workload {
	var out []workload
	services := p.AllServices()
	for _, name := range sortedKeys(services) {
		s := services[name]
		if s.Provider != nil {
			continue // runs no container of its own
		}
		out = append(out, workload{kind: "service", section: "services", name: name, spec: &s.ContainerSpec, work: &s.WorkloadSpec, svc: &s})
	}
	jobs := p.AllJobs()
	for _, name := range sortedKeys(jobs) {
		j := jobs[name]
		out = append(out, workload{kind: "job", section: "jobs", name: name, spec: &j.ContainerSpec, work: &j.WorkloadSpec})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// source is the file as YAML nodes, for lines and raw values.
type source struct {
	docs []*yaml.Node // top-level mappings
}

// parseSource reads every document of data as nodes and bounds the work
// that expanding its aliases would take.
func parseSource(data []byte) (src source, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml parser panic: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	budget := 4*len(data) + 4096
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return src, nil
			}
			return src, err
		}
		if !manifest.Bounded(&n, &budget) {
			return src, ErrTooComplex
		}
		if len(n.Content) > 0 && n.Content[0].Kind == yaml.MappingNode {
			src.docs = append(src.docs, n.Content[0])
		}
	}
}

func (s source) hasExtendsFile() bool {
	for _, d := range s.docs {
		for _, section := range []string{"services", "jobs"} {
			_, sv := field(d, section)
			if sv == nil || sv.Kind != yaml.MappingNode {
				continue
			}
			for i := 1; i < len(sv.Content); i += 2 {
				if _, ext := field(deref(sv.Content[i]), "extends"); ext != nil {
					if _, f := field(ext, "file"); f != nil {
						return true
					}
				}
			}
		}
	}
	return false
}

// workload finds a service's or job's key line and mapping, looking
// through the documents from last to first (later documents override).
func (s source) workload(section, name string) (line int, node *yaml.Node) {
	for i := len(s.docs) - 1; i >= 0; i-- {
		_, sec := field(s.docs[i], section)
		if k, v := field(sec, name); k != nil {
			return k.Line, v
		}
	}
	return 0, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < MaxDepth; i++ {
		n = n.Alias
	}
	return n
}

// field returns the key and value nodes of key in mapping n, following
// YAML merge keys ("<<: *anchor") when the key is not set directly, so a
// setting shared through an anchor points at the line that wrote it.
func field(n *yaml.Node, key string) (k, v *yaml.Node) {
	return fieldDepth(deref(n), key, 0)
}

func fieldDepth(n *yaml.Node, key string, depth int) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode || depth > 10 {
		return nil, nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn := deref(n.Content[i])
		if kn == nil {
			continue
		}
		if kn.ShortTag() == "!!merge" {
			merges = append(merges, deref(n.Content[i+1]))
			continue
		}
		if kn.Value == key {
			k, v = kn, deref(n.Content[i+1])
		}
	}
	if k != nil {
		return k, v
	}
	for _, m := range merges {
		if m != nil && m.Kind == yaml.SequenceNode {
			for _, c := range m.Content {
				if k, v := fieldDepth(deref(c), key, depth+1); k != nil {
					return k, v
				}
			}
			continue
		}
		if k, v := fieldDepth(m, key, depth+1); k != nil {
			return k, v
		}
	}
	return nil, nil
}

// scalarText returns the text of a scalar node, or "".
func scalarText(n *yaml.Node) string {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}
