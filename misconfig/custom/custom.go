// Package custom runs checks users write themselves, in CEL (the Common
// Expression Language Kubernetes uses for ValidatingAdmissionPolicy), on
// Kubernetes objects and Dockerfiles. A check is a YAML entry with the
// same fields as a built-in one and a CEL expression that is true when the
// input is compliant:
//
//	checks:
//	  - id: ACME-001
//	    title: Images come from the company registry
//	    severity: HIGH
//	    target: kubernetes          # or dockerfile
//	    kinds: [Deployment, Pod]     # optional: only these kinds
//	    scope: container            # object (default) | container | instruction | file
//	    expression: container.image.startsWith("registry.acme.example/")
//	    message: image is not from registry.acme.example   # optional
//	    rationale: …
//	    fix: …
//	    references: [https://wiki.acme.example/registry]
//
// Variables: for Kubernetes, "object" (the whole object) and, with scope
// container, "container" (each container, init and ephemeral ones
// included); for Dockerfiles, "dockerfile" ({stages: [{name, base,
// instructions}]}) and, with scope instruction, "instruction" ({cmd,
// args, flags, original, line}) and "stage". Expressions are type-checked
// when loaded and run under a cost limit, so no input can make one run
// long.
package custom

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"github.com/bulwark-sec/bulwark/severity"
)

// Limits.
const (
	// costLimit bounds one evaluation, in CEL's abstract cost units
	// (roughly one per operation and per element a macro visits).
	costLimit = 1_000_000
	// maxPolicyFile bounds one policy file.
	maxPolicyFile = 1 << 20
	// maxDockerfile bounds a Dockerfile handed to policies.
	maxDockerfile = 4 << 20
)

// Scopes.
const (
	ScopeObject      = "object"
	ScopeContainer   = "container"
	ScopeInstruction = "instruction"
	ScopeFile        = "file"
)

// Spec is one check as written in a policy file.
type Spec struct {
	ID         string   `yaml:"id"`
	Title      string   `yaml:"title"`
	Severity   string   `yaml:"severity"`
	Target     string   `yaml:"target"`
	Kinds      []string `yaml:"kinds"`
	Scope      string   `yaml:"scope"`
	Expression string   `yaml:"expression"`
	Message    string   `yaml:"message"`
	Rationale  string   `yaml:"rationale"`
	Fix        string   `yaml:"fix"`
	References []string `yaml:"references"`
}

type file struct {
	Checks []Spec `yaml:"checks"`
}

type policy struct {
	check misconfig.Check
	spec  Spec
	kinds map[string]bool
	prg   cel.Program
}

// Policies are compiled user checks. They are safe for concurrent use.
type Policies struct {
	list []policy
}

// Checks returns the checks the policies define.
func (p *Policies) Checks() []misconfig.Check {
	out := make([]misconfig.Check, len(p.list))
	for i, q := range p.list {
		out[i] = q.check
	}
	return out
}

// Load reads every .yaml/.yml file in a folder (or one file) and compiles
// its checks. Any mistake — unknown keys, a repeated ID, an ID in the
// built-in "BW-" range, an expression that does not compile to a bool —
// fails the load, naming the file and check.
func Load(path string) (*Policies, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	var files []string
	if info.IsDir() {
		err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("policies: %w", err)
		}
		sort.Strings(files)
	} else {
		files = []string{path}
	}
	var specs []Spec
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("policies: %w", err)
		}
		s, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("policies: %s: %w", f, err)
		}
		specs = append(specs, s...)
	}
	return Compile(specs)
}

// Parse reads the checks of one policy file.
func Parse(data []byte) (specs []Spec, err error) {
	if len(data) > maxPolicyFile {
		return nil, fmt.Errorf("larger than %d bytes", maxPolicyFile)
	}
	defer func() {
		if r := recover(); r != nil {
			specs, err = nil, fmt.Errorf("yaml parser panic: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		if err.Error() == "EOF" {
			return nil, nil
		}
		return nil, err
	}
	return f.Checks, nil
}

var (
	k8sEnvOptions = []cel.EnvOption{
		cel.Variable("object", cel.DynType),
		cel.Variable("container", cel.DynType),
	}
	dockerEnvOptions = []cel.EnvOption{
		cel.Variable("dockerfile", cel.DynType),
		cel.Variable("instruction", cel.DynType),
		cel.Variable("stage", cel.DynType),
	}
)

func newEnv(vars []cel.EnvOption) (*cel.Env, error) {
	opts := append([]cel.EnvOption{
		ext.Strings(), ext.Lists(), ext.Sets(),
		cel.ParserExpressionSizeLimit(10_000), cel.ParserRecursionLimit(100),
	}, vars...)
	return cel.NewEnv(opts...)
}

// Compile type-checks and plans the checks.
func Compile(specs []Spec) (*Policies, error) {
	k8sEnv, err := newEnv(k8sEnvOptions)
	if err != nil {
		return nil, err
	}
	dockerEnv, err := newEnv(dockerEnvOptions)
	if err != nil {
		return nil, err
	}
	p := &Policies{}
	seen := map[string]bool{}
	for _, s := range specs {
		where := fmt.Sprintf("check %q", s.ID)
		switch {
		case s.ID == "":
			return nil, errors.New("a check without an id")
		case strings.HasPrefix(strings.ToUpper(s.ID), "BW-"):
			return nil, fmt.Errorf("%s: IDs starting with BW- are Bulwark's own", where)
		case seen[strings.ToUpper(s.ID)]:
			return nil, fmt.Errorf("%s: repeated", where)
		case s.Expression == "":
			return nil, fmt.Errorf("%s: no expression", where)
		}
		seen[strings.ToUpper(s.ID)] = true
		sev := strings.ToUpper(s.Severity)
		if sev == "" {
			sev = severity.Medium
		}
		if severity.Rank(sev) == 0 {
			return nil, fmt.Errorf("%s: severity %q", where, s.Severity)
		}
		var env *cel.Env
		target := strings.ToLower(s.Target)
		scope := strings.ToLower(s.Scope)
		switch target {
		case misconfig.TargetKubernetes, "":
			target, env = misconfig.TargetKubernetes, k8sEnv
			if scope == "" {
				scope = ScopeObject
			}
			if scope != ScopeObject && scope != ScopeContainer {
				return nil, fmt.Errorf("%s: scope %q (kubernetes checks: object or container)", where, s.Scope)
			}
		case misconfig.TargetDockerfile:
			env = dockerEnv
			if scope == "" {
				scope = ScopeFile
			}
			if scope != ScopeFile && scope != ScopeInstruction {
				return nil, fmt.Errorf("%s: scope %q (dockerfile checks: file or instruction)", where, s.Scope)
			}
		default:
			return nil, fmt.Errorf("%s: target %q (want kubernetes or dockerfile)", where, s.Target)
		}
		ast, iss := env.Compile(s.Expression)
		if iss.Err() != nil {
			return nil, fmt.Errorf("%s: %w", where, iss.Err())
		}
		if t := ast.OutputType(); t != cel.BoolType && t != cel.DynType {
			return nil, fmt.Errorf("%s: the expression gives %s, not a bool", where, t)
		}
		prg, err := env.Program(ast, cel.CostLimit(costLimit), cel.InterruptCheckFrequency(100))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		s.Target, s.Scope = target, scope
		c := misconfig.Check{
			ID: s.ID, Title: s.Title, Severity: sev, Target: target,
			Rationale: s.Rationale, Fix: s.Fix, References: s.References,
		}
		if c.Title == "" {
			c.Title = s.ID
		}
		q := policy{check: c, spec: s, prg: prg}
		if len(s.Kinds) > 0 {
			q.kinds = map[string]bool{}
			for _, k := range s.Kinds {
				q.kinds[k] = true
			}
		}
		p.list = append(p.list, q)
	}
	return p, nil
}

// eval runs a policy; an input it cannot be evaluated on (a missing field
// the expression did not guard with has()) is an error, not a finding.
func (q *policy) eval(vars map[string]any) (bool, error) {
	out, _, err := q.prg.Eval(vars)
	if err != nil {
		return false, err
	}
	ok, isBool := out.Value().(bool)
	if !isBool {
		return false, fmt.Errorf("result is %v, not a bool", out.Value())
	}
	return ok, nil
}

func (q *policy) message(fallback string) string {
	if q.spec.Message != "" {
		return q.spec.Message
	}
	if q.check.Title != q.check.ID {
		return q.check.Title + ": " + fallback
	}
	return fallback
}

// CheckObjects runs the Kubernetes checks on objects.
func (p *Policies) CheckObjects(objs []*manifest.Object) ([]misconfig.Finding, []error) {
	var out []misconfig.Finding
	var errs []error
	for i := range p.list {
		q := &p.list[i]
		if q.spec.Target != misconfig.TargetKubernetes {
			continue
		}
		for _, o := range objs {
			if q.kinds != nil && !q.kinds[o.Kind] {
				continue
			}
			res := misconfig.Resource{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
			if q.spec.Scope == ScopeObject {
				ok, err := q.eval(map[string]any{"object": o.Value, "container": nil})
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %s line %d: check %s: %w", o.File, o.Ref(), o.Line, q.check.ID, err))
					continue
				}
				if !ok {
					out = append(out, suppressed(q.check.At(o.File, o.Line, res, "%s", q.message(o.Ref()+" fails the check")), o))
				}
				continue
			}
			for _, c := range containersOf(o) {
				ok, err := q.eval(map[string]any{"object": o.Value, "container": c.value})
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %s container %q: check %s: %w", o.File, o.Ref(), c.name, q.check.ID, err))
					continue
				}
				if !ok {
					r := res
					r.Container = c.name
					out = append(out, suppressed(q.check.At(o.File, o.LineOf(c.path...), r, "%s", q.message(fmt.Sprintf("container %q fails the check", c.name))), o))
				}
			}
		}
	}
	return out, errs
}

func suppressed(f misconfig.Finding, o *manifest.Object) misconfig.Finding {
	if r, ok := misconfig.AnnotationReason(o.Annotations, f.CheckID); ok {
		f.Suppression = r
	}
	return f
}

type container struct {
	name  string
	value any
	path  []any
}

// podSpecPaths are where workload kinds keep their pod spec.
var podSpecPaths = map[string][]any{
	"Pod":                   {"spec"},
	"PodTemplate":           {"template", "spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

func containersOf(o *manifest.Object) []container {
	base, ok := podSpecPaths[o.Kind]
	if !ok {
		return nil
	}
	var spec any = o.Value
	for _, k := range base {
		m, _ := spec.(map[string]any)
		spec = m[k.(string)]
	}
	m, _ := spec.(map[string]any)
	var out []container
	for _, field := range []string{"initContainers", "containers", "ephemeralContainers"} {
		list, _ := m[field].([]any)
		for i, c := range list {
			cm, _ := c.(map[string]any)
			name, _ := cm["name"].(string)
			path := append(append([]any{}, base...), field, i)
			out = append(out, container{name: name, value: c, path: path})
		}
	}
	return out
}

// CheckDockerfile runs the Dockerfile checks on one Dockerfile.
func (p *Policies) CheckDockerfile(file string, data []byte) ([]misconfig.Finding, error) {
	wanted := false
	for _, q := range p.list {
		if q.spec.Target == misconfig.TargetDockerfile {
			wanted = true
		}
	}
	if !wanted {
		return nil, nil
	}
	if len(data) > maxDockerfile {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, maxDockerfile)
	}
	doc, instrs, err := dockerfileValue(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var out []misconfig.Finding
	var errs []error
	for i := range p.list {
		q := &p.list[i]
		if q.spec.Target != misconfig.TargetDockerfile {
			continue
		}
		if q.spec.Scope == ScopeFile {
			ok, err := q.eval(map[string]any{"dockerfile": doc, "instruction": nil, "stage": nil})
			if err != nil {
				errs = append(errs, fmt.Errorf("check %s: %w", q.check.ID, err))
			} else if !ok {
				out = append(out, q.check.At(file, 0, misconfig.Resource{}, "%s", q.message("the Dockerfile fails the check")))
			}
			continue
		}
		for _, in := range instrs {
			ok, err := q.eval(map[string]any{"dockerfile": doc, "instruction": in.value, "stage": in.stage})
			if err != nil {
				errs = append(errs, fmt.Errorf("check %s line %d: %w", q.check.ID, in.line, err))
				continue
			}
			if !ok {
				f := q.check.At(file, in.line, misconfig.Resource{Container: in.stageName}, "%s", q.message(fmt.Sprintf("%s fails the check", in.cmd)))
				f.EndLine = in.endLine
				out = append(out, f)
			}
		}
	}
	return out, errors.Join(errs...)
}

type instruction struct {
	value          map[string]any
	stage          map[string]any
	stageName, cmd string
	line, endLine  int
}

// dockerfileValue turns a Dockerfile into CEL values:
// {stages: [{name, base, index, instructions: [{cmd, args, flags,
// original, line}]}]}. Instructions before the first FROM (global ARGs)
// form a stage of their own with an empty base.
func dockerfileValue(data []byte) (doc map[string]any, instrs []instruction, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("dockerfile parser panic: %v", r)
		}
	}()
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	var stages []any
	var cur map[string]any
	var curName string
	var curList []any
	flush := func() {
		if cur != nil {
			cur["instructions"] = curList
			stages = append(stages, cur)
		}
	}
	for _, n := range res.AST.Children {
		cmd := strings.ToLower(n.Value)
		var args []any
		for a := n.Next; a != nil; a = a.Next {
			args = append(args, a.Value)
		}
		flags := make([]any, len(n.Flags))
		for i, f := range n.Flags {
			flags[i] = f
		}
		if cmd == "from" || cur == nil {
			flush()
			cur = map[string]any{"index": int64(len(stages)), "name": "", "base": ""}
			curName, curList = "", nil
			if cmd == "from" {
				if len(args) > 0 {
					cur["base"] = args[0]
				}
				if len(args) >= 3 && strings.EqualFold(args[1].(string), "as") {
					curName = args[2].(string)
					cur["name"] = curName
				}
			}
		}
		v := map[string]any{"cmd": cmd, "args": args, "flags": flags, "original": n.Original, "line": int64(n.StartLine)}
		curList = append(curList, v)
		instrs = append(instrs, instruction{value: v, stage: cur, stageName: curName, cmd: strings.ToUpper(cmd), line: n.StartLine, endLine: n.EndLine})
	}
	flush()
	if stages == nil {
		stages = []any{}
	}
	return map[string]any{"stages": stages}, instrs, nil
}
