// Package dockerfile checks Dockerfiles for insecure or fragile
// instructions: unpinned or root-running images, secrets in the build,
// unverified downloads, package-manager habits that bloat images, and the
// mistakes Hadolint and BuildKit's own build checks warn about.
//
// Files are parsed with BuildKit's parser, so they read exactly as
// docker build reads them; the shell commands inside RUN are split into
// simple commands by a small reader of POSIX shell syntax. The checks
// follow stages: user and health-check checks look at the final stage
// (and the stages it builds on), a FROM naming an earlier stage is not an
// image pull, and ARG defaults are substituted into FROM lines. Checks
// about what is left behind in layers (package caches, apt lists) only
// look at the stages that end up in the final image.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/secret"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkMaintainer = misconfig.Check{
		ID: "BW-DF-027", Title: "MAINTAINER is deprecated", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "MAINTAINER is deprecated and its value is not part of the standard image annotations.",
		Fix:        "Use LABEL org.opencontainers.image.authors=\"…\" instead.",
		References: []string{refChecks + "maintainer-deprecated/"},
	}
	checkShellForm = misconfig.Check{
		ID: "BW-DF-029", Title: "CMD or ENTRYPOINT in shell form", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "In shell form the command runs under /bin/sh -c, which becomes PID 1 and does not forward signals: the application is killed instead of shut down gracefully.",
		Fix:        "Use the exec (JSON array) form, for example CMD [\"app\", \"--flag\"].",
		References: []string{refChecks + "json-args-recommended/", refDockerfile + "#shell-and-exec-form"},
	}
)

// Options describe the build context around the Dockerfile.
type Options struct {
	// Dockerignore is whether a .dockerignore sits beside the Dockerfile,
	// at the root of the build context.
	Dockerignore bool
}

// Limits on the input: larger files are refused with an error, so that a
// hostile file cannot make a scan slow or large.
const (
	MaxSize         = 4 << 20
	MaxInstructions = 10000
)

// errInternal marks a panic in the checks (not in the parser): a bug
// in this package, which the fuzz test looks for.
var errInternal = errors.New("internal error")

// Scan parses a Dockerfile and returns the findings of every check, sorted
// by line. file names the Dockerfile in findings. A file that does not
// parse gives an error and no findings.
func Scan(file string, data []byte, opts Options) ([]misconfig.Finding, error) {
	s, err := scanFile(file, data, opts)
	if err != nil {
		return nil, err
	}
	misconfig.Sort(s.out)
	return s.out, nil
}

// Images lists the images the Dockerfile's stages start FROM, at their
// FROM lines: not earlier stages, not scratch, and not references that
// ARGs without defaults leave unknown. ARGs expand with their defaults.
func Images(file string, data []byte) ([]misconfig.ImageRef, error) {
	s, err := scanFile(file, data, Options{})
	if err != nil {
		return nil, err
	}
	var out []misconfig.ImageRef
	for _, st := range s.f.stages {
		if st.parent != nil || !st.known || st.image == "" || strings.EqualFold(parseRef(st.image).name, "scratch") {
			continue
		}
		var res misconfig.Resource
		if st.name != "" || len(s.f.stages) > 1 {
			res.Container = st.label()
		}
		out = append(out, misconfig.ImageRef{Image: st.image, File: file, Line: st.from.start, Resource: res})
	}
	return out, nil
}

// scanFile parses a Dockerfile and runs the checks over it.
func scanFile(file string, data []byte, opts Options) (s *scanner, err error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("dockerfile: %s: %d bytes is more than the limit of %d", file, len(data), MaxSize)
	}
	res, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("dockerfile: %s: %w", file, err)
	}
	if n := len(res.AST.Children); n > MaxInstructions {
		return nil, fmt.Errorf("dockerfile: %s: %d instructions is more than the limit of %d", file, n, MaxInstructions)
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("dockerfile: %s: %w: %v", file, errInternal, r)
		}
	}()
	s = newScanner(file, opts, build(res.AST))
	s.run()
	return s, nil
}

// parse runs BuildKit's parser, turning a panic in it into an error.
func parse(data []byte) (res *parser.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("parser failed: %v", r)
		}
	}()
	res, err = parser.Parse(bytes.NewReader(data))
	if err == nil && (res == nil || res.AST == nil) {
		err = errors.New("parser returned no syntax tree")
	}
	return res, err
}

// secrets is the secret engine, built once: it is immutable and safe for
// concurrent use.
var secrets = sync.OnceValue(func() *secret.Engine {
	return secret.New(secret.Builtin(), secret.Options{})
})

// scanner holds one scan's input and findings.
type scanner struct {
	file   string
	opts   Options
	f      *file
	meta   vars // the ARGs declared before the first FROM
	states []*state
	// stageNames indexes stages by name; the first of a repeated name.
	stageNames map[string]*stage
	out        []misconfig.Finding
	seen       map[findingKey]bool
}

type findingKey struct {
	id    string
	start int
	msg   string
}

func newScanner(file string, opts Options, f *file) *scanner {
	return &scanner{file: file, opts: opts, f: f, meta: newVars(),
		seen: map[findingKey]bool{}, stageNames: map[string]*stage{}}
}

// report adds a finding of check c at instruction in, once per message.
func (s *scanner) report(c misconfig.Check, in *instr, format string, args ...any) {
	var res misconfig.Resource
	if in.stage != nil && (in.stage.name != "" || len(s.f.stages) > 1) {
		res.Container = in.stage.label()
	}
	f := c.At(s.file, in.start, res, format, args...)
	f.EndLine = in.end
	k := findingKey{c.ID, in.start, f.Message}
	if s.seen[k] {
		return
	}
	s.seen[k] = true
	s.out = append(s.out, f)
}

// state is what the instructions so far have set up in a stage,
// including what it inherits from the stage it builds on.
type state struct {
	vars
	user        *instr // the USER in effect
	userName    string // its value, expanded
	userKnown   bool
	health      *instr
	cmd, entry  *instr
	absWorkdir  bool
	shell       []string // the SHELL in effect; nil for the default
	nonRootBase bool     // the base image is known to run as non-root
	scratch     bool     // the stage chain starts from scratch
	unknownBase bool     // the stage chain may start from a stage the file cannot name
	// apt configuration written to /etc/apt by an earlier RUN
	aptAssumeYes, aptNoRecommends bool
	// in this stage only: the last CMD, ENTRYPOINT and HEALTHCHECK seen
	local map[string]*instr
	// final is whether the stage ends up in the final image
	final bool
}

func (st *state) inherit() *state {
	n := *st
	n.vars = st.vars.inherit()
	n.local = map[string]*instr{}
	return &n
}

func (s *scanner) run() {
	for _, in := range s.f.meta {
		if in.cmd == "arg" {
			s.checkVars(nil, in)
			for _, p := range in.pairs() {
				v, ok := expand(p.value, s.meta.lookup)
				s.meta.args[p.name] = variable{value: v, known: ok && p.has}
			}
		}
	}
	s.checkStageNames()
	finalChain := map[*stage]bool{}
	if n := len(s.f.stages); n > 0 {
		for st := s.f.stages[n-1]; st != nil; st = st.parent {
			finalChain[st] = true
		}
	}
	// Parents are resolved in checkStageNames; walk the stages in order,
	// which puts every parent before its children.
	for _, st := range s.f.stages {
		var cur *state
		if st.parent != nil {
			cur = s.states[st.parent.index].inherit()
		} else {
			cur = &state{vars: newVars(), local: map[string]*instr{}}
			ref := parseRef(strings.ToLower(st.image))
			cur.scratch = st.known && ref.name == "scratch"
			cur.nonRootBase = st.known && strings.Contains(ref.tag, "nonroot")
			// Only the final stage's base matters for what it inherits.
			cur.unknownBase = finalChain[st] && s.mayNameStage(st)
		}
		cur.final = finalChain[st]
		s.states = append(s.states, cur)
		s.checkFrom(st)
		for _, in := range st.instrs {
			s.instruction(cur, in)
		}
	}
	if n := len(s.f.stages); n > 0 {
		s.checkFinal(s.f.stages[n-1], s.states[n-1])
	}
}

// instruction runs the checks of one instruction and records what it
// sets up.
func (s *scanner) instruction(st *state, in *instr) {
	s.checkTrailing(in)
	switch in.cmd {
	case "arg":
		s.checkVars(st, in)
		for _, p := range in.pairs() {
			if !p.has {
				st.args[p.name] = s.meta.args[p.name]
				continue
			}
			v, ok := expand(p.value, st.lookupWithMeta(s.meta))
			st.args[p.name] = variable{value: v, known: ok}
		}
	case "env":
		s.checkVars(st, in)
		for _, p := range in.pairs() {
			v, ok := expand(p.value, st.lookup)
			st.env.set(p.name, variable{value: v, known: ok})
		}
	case "label":
		s.checkVars(st, in)
	case "user":
		u, ok := expand(firstField(in.value()), st.lookup)
		st.user, st.userName, st.userKnown = in, u, ok
	case "workdir":
		s.checkWorkdir(st, in)
	case "healthcheck":
		s.checkOverride(st, in)
		st.health = in
		s.checkCommandSecrets(in)
	case "cmd", "entrypoint":
		s.checkOverride(st, in)
		if in.cmd == "cmd" {
			st.cmd = in
		} else {
			st.entry = in
		}
		if !in.json {
			s.report(checkShellForm, in, "%s is in shell form: it runs under /bin/sh -c, which does not pass signals to the application", in.keyword())
		}
		s.checkCommandSecrets(in)
	case "shell":
		st.shell = in.args
	case "expose":
		s.checkExpose(st, in)
	case "maintainer":
		s.report(checkMaintainer, in, "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors")
	case "run":
		s.checkRun(st, in)
	case "copy", "add":
		s.checkCopy(st, in)
	case "onbuild":
		if w := in.inner(); w != nil {
			switch w.cmd {
			case "run":
				s.checkRun(st, w)
			case "copy", "add":
				s.checkCopy(st, w)
			}
		}
	}
}

// lookupWithMeta resolves a stage ARG's default, which may use the
// global ARGs as well as the stage's own variables.
func (st *state) lookupWithMeta(meta vars) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if _, ok := st.env.get(name); ok {
			return st.lookup(name)
		}
		if _, ok := st.args[name]; ok {
			return st.lookup(name)
		}
		return meta.lookup(name)
	}
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// clip shortens s for a message.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= 60 {
		return s
	}
	cut := 57
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}
