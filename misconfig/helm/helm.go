// Package helm renders Helm charts to Kubernetes manifests, the way
// `helm template` does, so that the Kubernetes checks can run on what a
// chart would deploy. It uses the Helm SDK's loader, values coalescing and
// template engine, with no cluster, network or process environment:
// lookup returns nothing, getHostByName returns "", values schemas are
// not validated (they may reference remote or local files), values files
// and --set strings come only from the caller.
//
// Charts are untrusted input, so loading is bounded (total size, file
// count, symlinks must stay inside the chart) and so is rendering (a
// deadline, a cap on the output, and a refusal of templates that ask
// for millions of repetitions with a literal count).
package helm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template/parse"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/ignore"
	"helm.sh/helm/v3/pkg/strvals"
)

// Limits on one chart.
const (
	// MaxChartSize bounds the chart's files, or a packaged chart both
	// compressed and decompressed.
	MaxChartSize = 64 << 20
	// MaxFiles bounds the number of files in a chart.
	MaxFiles = 10_000
	// MaxValuesFile bounds one values file given in Options.
	MaxValuesFile = 8 << 20
	// MaxOutput bounds the rendered manifests, all templates together.
	MaxOutput = 64 << 20
	// RenderTimeout bounds the time templates may take to render.
	RenderTimeout = 30 * time.Second
	// MaxLiteralRepeat is the largest literal count a template may pass
	// to until, untilStep, repeat or seq.
	MaxLiteralRepeat = 100_000
)

// Options are what `helm template` takes on its command line.
type Options struct {
	// ValuesFiles are merged in order over the chart's values.yaml, like
	// -f. Local files only.
	ValuesFiles []string
	// Set and SetString are --set and --set-string expressions
	// ("a.b=c,d[0]=e"), applied after the values files.
	Set       []string
	SetString []string
	// ReleaseName and Namespace default to "release-name" and "default",
	// as in helm template.
	ReleaseName, Namespace string
	// KubeVersion is the Kubernetes version templates see in
	// .Capabilities.KubeVersion ("1.30.0"); Helm's default when empty.
	KubeVersion string
}

// Rendered is one rendered template.
type Rendered struct {
	// Template is the template's path with the chart's name in front, as
	// in helm template's "# Source:" lines: "mychart/templates/deploy.yaml",
	// "mychart/charts/sub/templates/svc.yaml" for a subchart.
	Template string
	Data     []byte
}

// IsChart reports whether dir holds a chart: a Chart.yaml file.
func IsChart(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	return err == nil && fi.Mode().IsRegular()
}

// Render renders the chart in a folder, or in a packaged .tgz, with its
// subcharts. Templates that render to nothing, NOTES.txt and partials
// (_*.tpl) are left out; the rest come back sorted by path. A template
// that fails gives an error naming it. A library chart renders nothing.
func Render(chartPath string, opts Options) ([]Rendered, error) {
	return render(chartPath, opts, limits{timeout: RenderTimeout, output: MaxOutput})
}

type limits struct {
	timeout time.Duration
	output  int
}

func render(chartPath string, opts Options, lim limits) ([]Rendered, error) {
	chrt, err := load(chartPath)
	if err != nil {
		return nil, fmt.Errorf("helm: %s: %w", chartPath, err)
	}
	if strings.EqualFold(chrt.Metadata.Type, "library") {
		return nil, nil
	}
	if err := checkTemplates(chrt); err != nil {
		return nil, fmt.Errorf("helm: %s: %w", chartPath, err)
	}
	vals, err := userValues(opts)
	if err != nil {
		return nil, fmt.Errorf("helm: %s: %w", chartPath, err)
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, fmt.Errorf("helm: %s: dependencies: %w", chartPath, err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	if opts.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(opts.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("helm: kube version %q: %w", opts.KubeVersion, err)
		}
		caps.KubeVersion = *kv
	}
	rel := chartutil.ReleaseOptions{
		Name: or(opts.ReleaseName, "release-name"), Namespace: or(opts.Namespace, "default"),
		Revision: 1, IsInstall: true,
	}
	// Schema validation is skipped: a values.schema.json may $ref http(s)
	// or file URLs, which the SDK would fetch.
	top, err := chartutil.ToRenderValuesWithSchemaValidation(chrt, vals, rel, caps, true)
	if err != nil {
		return nil, fmt.Errorf("helm: %s: values: %w", chartPath, err)
	}
	files, err := renderWithin(chrt, top, lim.timeout)
	if err != nil {
		return nil, fmt.Errorf("helm: %s: %w", chartPath, err)
	}
	var out []Rendered
	total := 0
	for _, name := range sortedKeys(files) {
		base := path.Base(name)
		if base == "NOTES.txt" || strings.HasPrefix(base, "_") || strings.TrimSpace(files[name]) == "" {
			continue
		}
		if total += len(files[name]); total > lim.output {
			return nil, fmt.Errorf("helm: %s: rendered output is larger than %d bytes", chartPath, lim.output)
		}
		out = append(out, Rendered{Template: name, Data: []byte(files[name])})
	}
	return out, nil
}

// renderWithin runs the engine with a deadline. text/template cannot be
// interrupted: a render that overruns is abandoned to finish on its own,
// and its result dropped.
func renderWithin(chrt *chart.Chart, vals chartutil.Values, timeout time.Duration) (map[string]string, error) {
	type result struct {
		files map[string]string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("rendering panicked: %v", r)}
			}
		}()
		// The zero Engine has no cluster client: lookup returns an empty
		// map, and DNS lookups are off.
		files, err := engine.Engine{}.Render(chrt, vals)
		done <- result{files, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.files, r.err
	case <-timer.C:
		return nil, fmt.Errorf("rendering took longer than %v", timeout)
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// userValues merges the values files and --set expressions into one map,
// as helm's command line does.
func userValues(opts Options) (map[string]any, error) {
	base := map[string]any{}
	for _, f := range opts.ValuesFiles {
		if f == "-" || strings.Contains(f, "://") {
			return nil, fmt.Errorf("values file %q: only local files are read", f)
		}
		data, err := readCapped(f, MaxValuesFile)
		if err != nil {
			return nil, fmt.Errorf("values file: %w", err)
		}
		cur, err := chartutil.ReadValues(data)
		if err != nil {
			return nil, fmt.Errorf("values file %s: %w", f, err)
		}
		base = mergeMaps(base, cur)
	}
	for _, s := range opts.Set {
		if err := strvals.ParseInto(s, base); err != nil {
			return nil, fmt.Errorf("--set %q: %w", s, err)
		}
	}
	for _, s := range opts.SetString {
		if err := strvals.ParseIntoString(s, base); err != nil {
			return nil, fmt.Errorf("--set-string %q: %w", s, err)
		}
	}
	return base, nil
}

// mergeMaps returns a with b laid over it: nested maps merge, anything
// else in b replaces what a has.
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func readCapped(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, max)
	}
	return data, nil
}

// load reads a chart folder or archive within the limits.
func load(chartPath string) (*chart.Chart, error) {
	fi, err := os.Stat(chartPath)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		data, err := readCapped(chartPath, MaxChartSize)
		if err != nil {
			return nil, err
		}
		budget := int64(MaxChartSize)
		if err := checkArchive(data, &budget, 0); err != nil {
			return nil, err
		}
		return loader.LoadArchive(bytes.NewReader(data))
	}
	files, err := readDir(chartPath)
	if err != nil {
		return nil, err
	}
	budget := int64(MaxChartSize)
	for _, f := range files {
		if subchartArchive(f.Name, f.Data) {
			if err := checkArchive(f.Data, &budget, 1); err != nil {
				return nil, fmt.Errorf("%s: %w", f.Name, err)
			}
		}
	}
	return loader.LoadFiles(files)
}

// subchartArchive reports a packaged subchart, which Helm's loader
// unpacks in memory: a gzip file under a charts/ folder.
func subchartArchive(name string, data []byte) bool {
	return (strings.HasPrefix(name, "charts/") || strings.Contains(name, "/charts/")) && gzipped(data)
}

func gzipped(data []byte) bool {
	return len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b
}

// maxNesting bounds subchart archives inside subchart archives.
const maxNesting = 10

// checkArchive walks a gzipped tar, and the subchart archives inside it,
// without keeping anything, to refuse archives that decompress past the
// limits before Helm's loader reads them into memory. budget is what is
// left of MaxChartSize for all the levels together.
func checkArchive(data []byte, budget *int64, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("subchart archives nested more than %d deep", maxNesting)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("chart archive: %w", err)
	}
	defer zr.Close()
	// Tar headers and padding count too: a stream of empty entries is
	// still work.
	tr := tar.NewReader(&budgetReader{r: zr, left: budget})
	for n := 0; ; n++ {
		if n > MaxFiles {
			return fmt.Errorf("chart archive has more than %d entries", MaxFiles)
		}
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("chart archive: %w", err)
		}
		// Keep what may be a packaged subchart, to look inside it.
		var sub bytes.Buffer
		w := io.Discard
		if strings.Contains(strings.ReplaceAll(hd.Name, "\\", "/"), "/charts/") && hd.Size <= loader.MaxDecompressedFileSize {
			w = &sub
		}
		if _, err := io.Copy(w, tr); err != nil {
			return fmt.Errorf("chart archive: %w", err)
		}
		if gzipped(sub.Bytes()) {
			if err := checkArchive(sub.Bytes(), budget, depth+1); err != nil {
				return err
			}
		}
	}
}

var errTooBig = fmt.Errorf("decompresses to more than %d bytes", MaxChartSize)

// budgetReader spends a shared budget on every byte read.
type budgetReader struct {
	r    io.Reader
	left *int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if *b.left <= 0 {
		return 0, errTooBig
	}
	if int64(len(p)) > *b.left {
		p = p[:*b.left]
	}
	n, err := b.r.Read(p)
	*b.left -= int64(n)
	return n, err
}

// readDir reads a chart folder as Helm's directory loader does (honouring
// .helmignore, following symlinks), except that symlinks must resolve
// inside the chart, irregular files are refused, and the total size and
// file count are bounded.
func readDir(dir string) ([]*loader.BufferedFile, error) {
	top, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	realTop, err := filepath.EvalSymlinks(top)
	if err != nil {
		return nil, err
	}
	rules := ignore.Empty()
	if fi, err := os.Lstat(filepath.Join(top, ignore.HelmIgnore)); err == nil && fi.Mode().IsRegular() {
		if rules, err = ignore.ParseFile(filepath.Join(top, ignore.HelmIgnore)); err != nil {
			return nil, err
		}
	}
	rules.AddDefaults()
	r := dirReader{top: realTop, rules: rules, seen: map[string]bool{}}
	if err := r.walk(realTop, ""); err != nil {
		return nil, err
	}
	return r.files, nil
}

type dirReader struct {
	top   string
	rules *ignore.Rules
	files []*loader.BufferedFile
	size  int64
	seen  map[string]bool // real folders walked, against symlink loops
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// walk reads the folder real (a resolved path inside top) as the chart's
// folder rel ("" for the top).
func (r *dirReader) walk(real, rel string) error {
	if r.seen[real] {
		return fmt.Errorf("symlink loop at %s", rel)
	}
	r.seen[real] = true
	defer delete(r.seen, real)
	entries, err := os.ReadDir(real)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := path.Join(rel, e.Name())
		full := filepath.Join(real, e.Name())
		fi, err := os.Stat(full) // follows symlinks, as Helm does
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if e.Type()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(full)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if !within(r.top, target) {
				return fmt.Errorf("%s: symlink points outside the chart", name)
			}
			full = target
		}
		if r.rules.Ignore(name, fi) {
			continue
		}
		if fi.IsDir() {
			if err := r.walk(full, name); err != nil {
				return err
			}
			continue
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file", name)
		}
		if len(r.files) >= MaxFiles {
			return fmt.Errorf("more than %d files", MaxFiles)
		}
		if fi.Size() > loader.MaxDecompressedFileSize {
			return fmt.Errorf("%s: larger than %d bytes", name, loader.MaxDecompressedFileSize)
		}
		if r.size += fi.Size(); r.size > MaxChartSize {
			return fmt.Errorf("chart files add up to more than %d bytes", MaxChartSize)
		}
		data, err := readCapped(full, loader.MaxDecompressedFileSize)
		if err != nil {
			return err
		}
		r.files = append(r.files, &loader.BufferedFile{Name: name, Data: bytes.TrimPrefix(data, utf8BOM)})
	}
	return nil
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// repeaters are the template functions whose cost is set by a count.
var repeaters = map[string]bool{"until": true, "untilStep": true, "repeat": true, "seq": true}

// checkTemplates refuses templates, in the chart and its subcharts, that
// pass a literal count above MaxLiteralRepeat to a repeating function:
// such a template would exhaust memory long before any deadline.
func checkTemplates(c *chart.Chart) error {
	for _, t := range c.Templates {
		if t == nil {
			continue
		}
		// A template that does not parse is left to the engine, which
		// reports it in Helm's own words.
		for _, tree := range parseSkippingFuncs(t.Name, string(t.Data)) {
			if tree == nil || tree.Root == nil {
				continue
			}
			if err := checkNode(tree.Root, 0); err != nil {
				return fmt.Errorf("%s/%s: %w", c.ChartFullPath(), t.Name, err)
			}
		}
	}
	for _, d := range c.Dependencies() {
		if err := checkTemplates(d); err != nil {
			return err
		}
	}
	return nil
}

func parseSkippingFuncs(name, text string) map[string]*parse.Tree {
	tr := parse.New(name)
	tr.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := tr.Parse(text, "{{", "}}", trees); err != nil {
		return nil
	}
	return trees
}

func checkNode(n parse.Node, depth int) error {
	if n == nil || depth > 1000 {
		return nil
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkNode(c, depth+1); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		return checkNode(n.Pipe, depth+1)
	case *parse.TemplateNode:
		if n.Pipe != nil {
			return checkNode(n.Pipe, depth+1)
		}
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Cmds {
			if err := checkNode(c, depth+1); err != nil {
				return err
			}
		}
	case *parse.CommandNode:
		if len(n.Args) > 0 {
			if id, ok := n.Args[0].(*parse.IdentifierNode); ok && repeaters[id.Ident] {
				for _, a := range n.Args[1:] {
					if num, ok := a.(*parse.NumberNode); ok && num.IsFloat && (num.Float64 > MaxLiteralRepeat || num.Float64 < -MaxLiteralRepeat) {
						return fmt.Errorf("%s with a count of %s: refusing to render more than %d repetitions", id.Ident, num.Text, MaxLiteralRepeat)
					}
				}
			}
		}
		for _, a := range n.Args {
			if err := checkNode(a, depth+1); err != nil {
				return err
			}
		}
	case *parse.IfNode:
		return checkBranch(&n.BranchNode, depth)
	case *parse.RangeNode:
		return checkBranch(&n.BranchNode, depth)
	case *parse.WithNode:
		return checkBranch(&n.BranchNode, depth)
	}
	return nil
}

func checkBranch(b *parse.BranchNode, depth int) error {
	for _, c := range []parse.Node{b.Pipe, b.List, b.ElseList} {
		if c == nil {
			continue
		}
		if l, ok := c.(*parse.ListNode); ok && l == nil {
			continue
		}
		if p, ok := c.(*parse.PipeNode); ok && p == nil {
			continue
		}
		if err := checkNode(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}
