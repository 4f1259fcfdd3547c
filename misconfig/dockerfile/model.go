package dockerfile

import (
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// instr is one instruction as the checks see it.
type instr struct {
	node     *parser.Node
	cmd      string   // lower-case keyword: "run", "copy", …
	flags    []string // --name=value flags, without the dashes' meaning interpreted
	args     []string // the parser's argument words
	json     bool     // exec (JSON array) form
	heredocs []parser.Heredoc
	start    int
	end      int
	stage    *stage // nil for instructions before the first FROM
	onbuild  bool   // the instruction wrapped by an ONBUILD
}

func newInstr(n *parser.Node, start, end int) *instr {
	in := &instr{
		node: n, cmd: strings.ToLower(n.Value), flags: n.Flags, json: n.Attributes["json"],
		heredocs: n.Heredocs, start: start, end: end,
	}
	for a := n.Next; a != nil; a = a.Next {
		in.args = append(in.args, a.Value)
	}
	return in
}

// keyword is the instruction as the user wrote it, for messages.
func (in *instr) keyword() string {
	if in.onbuild {
		return "ONBUILD " + strings.ToUpper(in.cmd)
	}
	return strings.ToUpper(in.cmd)
}

// flag returns the values of the flag --name (case-insensitive).
func (in *instr) flag(name string) []string {
	var out []string
	for _, f := range in.flags {
		k, v, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if strings.EqualFold(k, name) {
			out = append(out, v)
		}
	}
	return out
}

// words returns the arguments up to the first word that starts with "#":
// Dockerfile comments only start lines, but a reader clearly meant the
// rest as one, and the checks should read the instruction that way.
func (in *instr) words() []string {
	if in.json {
		return in.args
	}
	for i, a := range in.args {
		if strings.HasPrefix(a, "#") {
			return in.args[:i]
		}
	}
	return in.args
}

// value returns the single argument of USER, WORKDIR and the like, with
// a trailing "# …" cut off.
func (in *instr) value() string {
	if len(in.args) == 0 {
		return ""
	}
	v := in.args[0]
	if i := trailingComment(v); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// trailingComment returns the index of a " #" in s, or -1.
func trailingComment(s string) int {
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			return i
		}
	}
	return -1
}

// stage is one FROM and the instructions after it.
type stage struct {
	index  int
	name   string // lower-case AS name, or ""
	from   *instr
	image  string // the base reference after ARG expansion
	known  bool   // image is fully expanded
	parent *stage // the earlier stage this one builds on, if any
	instrs []*instr
}

// label names the stage in findings: its name, or "stage N" (counting
// from 0, as --from=N does).
func (st *stage) label() string {
	if st.name != "" {
		return st.name
	}
	return "stage " + strconv.Itoa(st.index)
}

// file is a parsed Dockerfile.
type file struct {
	meta   []*instr // instructions before the first FROM (ARGs)
	stages []*stage
	lines  int
}

// build groups the parser's instructions into stages.
func build(ast *parser.Node) *file {
	f := &file{}
	var cur *stage
	for _, n := range ast.Children {
		in := newInstr(n, n.StartLine, n.EndLine)
		f.lines = max(f.lines, n.EndLine)
		if in.cmd == "from" {
			cur = &stage{index: len(f.stages), from: in}
			w := in.words()
			if len(w) >= 3 && strings.EqualFold(w[1], "as") {
				cur.name = strings.ToLower(w[2])
			}
			in.stage = cur
			f.stages = append(f.stages, cur)
			continue
		}
		if cur == nil {
			f.meta = append(f.meta, in)
			continue
		}
		in.stage = cur
		cur.instrs = append(cur.instrs, in)
	}
	return f
}

// inner returns the instruction an ONBUILD wraps, or nil.
func (in *instr) inner() *instr {
	if in.node.Next == nil || len(in.node.Next.Children) == 0 {
		return nil
	}
	w := newInstr(in.node.Next.Children[0], in.start, in.end)
	w.stage, w.onbuild = in.stage, true
	return w
}

// variable is a build argument or environment variable as far as the
// Dockerfile tells: known is false for an ARG without a default.
type variable struct {
	value string
	known bool
}

// scope holds environment variables set by ENV: the stage's own, over
// those of the stage it builds on. Layers are shared, not copied, so a
// long chain of stages costs no more than its instructions; a chain
// deeper than maxScopeDepth is flattened, which keeps lookups short.
type scope struct {
	own    map[string]variable
	parent *scope
	depth  int
}

const maxScopeDepth = 16

func (sc *scope) get(name string) (variable, bool) {
	for p := sc; p != nil; p = p.parent {
		if v, ok := p.own[name]; ok {
			return v, true
		}
	}
	return variable{}, false
}

func (sc *scope) set(name string, v variable) {
	sc.own[name] = v
}

// child is the scope of a stage built on this one.
func (sc *scope) child() *scope {
	if sc.depth < maxScopeDepth {
		return &scope{own: map[string]variable{}, parent: sc, depth: sc.depth + 1}
	}
	flat := map[string]variable{}
	for p := sc; p != nil; p = p.parent {
		for k, v := range p.own {
			if _, ok := flat[k]; !ok {
				flat[k] = v
			}
		}
	}
	return &scope{own: flat}
}

// vars are the variables in scope at one point of the file: ENV values
// and the stage's build arguments.
type vars struct {
	env  *scope
	args map[string]variable
}

func newVars() vars {
	return vars{env: &scope{own: map[string]variable{}}, args: map[string]variable{}}
}

// inherit is what a stage built on this one starts with: the
// environment, but no build arguments.
func (v vars) inherit() vars {
	return vars{env: v.env.child(), args: map[string]variable{}}
}

func (v vars) lookup(name string) (string, bool) {
	if x, ok := v.env.get(name); ok {
		return x.value, x.known
	}
	x, ok := v.args[name]
	return x.value, ok && x.known
}

// maxExpandDepth bounds nested ${a:-${b:-…}} defaults.
const maxExpandDepth = 8

// expand substitutes $NAME, ${NAME} and ${NAME:-word} style references.
// ok is false when a reference has no known value.
func expand(s string, lookup func(string) (string, bool)) (string, bool) {
	return expandDepth(s, lookup, 0)
}

func expandDepth(s string, lookup func(string) (string, bool), depth int) (string, bool) {
	if !strings.ContainsRune(s, '$') {
		return s, true
	}
	if depth > maxExpandDepth {
		return "", false
	}
	var b strings.Builder
	ok := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if c != '$' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		if s[i+1] == '{' {
			end := closingBrace(s, i+1)
			if end < 0 {
				return "", false
			}
			v, good := expandBraced(s[i+2:end], lookup, depth)
			ok = ok && good
			b.WriteString(v)
			i = end
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == '_' || isAlnum(s[j])) {
			j++
		}
		if j == i+1 {
			b.WriteByte(c)
			continue
		}
		v, good := lookup(s[i+1 : j])
		ok = ok && good
		b.WriteString(v)
		i = j - 1
	}
	return b.String(), ok
}

func closingBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// expandBraced expands the inside of ${…}.
func expandBraced(body string, lookup func(string) (string, bool), depth int) (string, bool) {
	j := 0
	for j < len(body) && (body[j] == '_' || isAlnum(body[j])) {
		j++
	}
	name, rest := body[:j], body[j:]
	if name == "" {
		return "", false
	}
	v, known := lookup(name)
	op, word := rest, ""
	for _, o := range []string{":-", ":+", "-", "+"} {
		if strings.HasPrefix(rest, o) {
			op, word = o, rest[len(o):]
			break
		}
	}
	switch op {
	case "":
		return v, known
	case ":-", "-":
		if known && (v != "" || op == "-") {
			return v, true
		}
		// Empty, unset, or an ARG without a default that a build may or
		// may not pass: take the default, as the file's author expects.
		return expandDepth(word, lookup, depth+1)
	case ":+", "+":
		if !known {
			return "", false
		}
		if v != "" || op == "+" {
			return expandDepth(word, lookup, depth+1)
		}
		return "", true
	}
	return "", false // ${NAME#pattern} and friends: not evaluated
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// imageRef is an image reference split into its parts.
type imageRef struct {
	name, tag, digest string
}

func parseRef(s string) imageRef {
	var r imageRef
	if i := strings.IndexByte(s, '@'); i >= 0 {
		r.digest = s[i+1:]
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		r.tag = s[i+1:]
		s = s[:i]
	}
	r.name = s
	return r
}

// unquote removes the quotes and backslash escapes of an ENV, ARG or
// LABEL value, the way the builder does.
func unquote(s string) string {
	if !strings.ContainsAny(s, `"'\`) {
		return s
	}
	var b strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote != 0 && c == quote:
			quote = 0
		case c == '\\' && quote != '\'' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// pairs returns the NAME, value pairs of an ENV, LABEL or ARG
// instruction; has is false for an ARG without a default.
func (in *instr) pairs() []pair {
	var out []pair
	switch in.cmd {
	case "env", "label":
		for i := 0; i+1 < len(in.args); i += 3 {
			out = append(out, pair{name: unquote(in.args[i]), value: unquote(in.args[i+1]), raw: in.args[i+1], has: true})
		}
	case "arg":
		for _, w := range in.words() {
			k, v, ok := strings.Cut(w, "=")
			out = append(out, pair{name: k, value: unquote(v), raw: v, has: ok})
		}
	}
	return out
}

type pair struct {
	name, value string
	raw         string // as written, quotes and references intact
	has         bool
}
