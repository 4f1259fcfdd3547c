package dockerfile

import (
	"regexp"
	"strings"
)

// A POSIX shell reader just good enough to see the commands a RUN runs:
// it splits a script into pipelines and simple commands on &&, ||, ;, |,
// & and newlines, removes quotes, keeps redirections out of the argument
// list, skips comments and heredoc bodies, and reads the commands inside
// $(…), `…` and <(…) as well. It never executes or expands anything.

// command is one simple command.
type command struct {
	words []string // every word, quotes removed
	env   []string // leading NAME=value assignments, also those given to env
	args  []string // the program and its arguments, after assignments and wrappers
	name  string   // the program's normalised base name ("pip" for pip3 or python -m pip)
	sudo  bool     // run through sudo
	sub   bool     // inside $(…), `…` or <(…): its status is not the script's
}

// pipeline is commands joined by |.
type pipeline []command

// maxShellDepth bounds how deeply command substitutions are read.
const maxShellDepth = 8

// parseShell reads a script.
func parseShell(src string) []pipeline {
	return parseShellDepth(src, 0)
}

func parseShellDepth(src string, depth int) []pipeline {
	l := &lexer{src: src, depth: depth}
	l.run()
	return l.out
}

type heredocMark struct {
	delim string
	tabs  bool // <<- strips leading tabs
}

type lexer struct {
	src      string
	i        int
	depth    int
	out      []pipeline
	pipe     pipeline
	words    []string
	word     strings.Builder
	inWord   bool
	redir    string // a redirection operator waiting for its target
	heredocs []heredocMark
}

func (l *lexer) next() byte {
	if l.i+1 < len(l.src) {
		return l.src[l.i+1]
	}
	return 0
}

func (l *lexer) add(s string) {
	l.word.WriteString(s)
	l.inWord = true
}

// redirOps are the redirection operators, longest first.
var redirOps = []string{"<<<", "<<-", "&>>", "<<", "<>", "<&", ">>", ">&", ">|", "&>", "<", ">"}

func (l *lexer) run() {
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch c {
		case ' ', '\t', '\r':
			l.endWord()
			l.i++
		case '\n':
			l.endCommand(false)
			l.i++
			l.skipHeredocs()
		case '#':
			if l.inWord {
				l.add("#")
				l.i++
				continue
			}
			for l.i < len(l.src) && l.src[l.i] != '\n' {
				l.i++
			}
		case '\\':
			switch {
			case l.i+1 >= len(l.src):
				l.i++
			case l.src[l.i+1] == '\n':
				l.i += 2
			default:
				l.add(l.src[l.i+1 : l.i+2])
				l.i += 2
			}
		case '\'':
			j := strings.IndexByte(l.src[l.i+1:], '\'')
			if j < 0 {
				l.add(l.src[l.i+1:])
				l.i = len(l.src)
			} else {
				l.add(l.src[l.i+1 : l.i+1+j])
				l.i += j + 2
			}
		case '"':
			l.doubleQuoted()
		case '$':
			l.dollar()
		case '`':
			l.backtick()
		case '<', '>':
			if l.next() == '(' { // process substitution
				l.substitution(l.i, l.i+1)
				continue
			}
			l.redirect()
		case '&':
			switch l.next() {
			case '&':
				l.endCommand(false)
				l.i += 2
			case '>':
				l.redirect()
			default:
				l.endCommand(false)
				l.i++
			}
		case '|':
			switch l.next() {
			case '|':
				l.endCommand(false)
				l.i += 2
			case '&':
				l.endCommand(true)
				l.i += 2
			default:
				l.endCommand(true)
				l.i++
			}
		case ';', ')':
			l.endCommand(false)
			l.i++
		case '(':
			if l.inWord {
				l.add("(")
			} else {
				l.endCommand(false)
			}
			l.i++
		default:
			j := l.i + 1
			for j < len(l.src) && !strings.ContainsRune(" \t\r\n#\\'\"$`<>&|;()", rune(l.src[j])) {
				j++
			}
			l.add(l.src[l.i:j])
			l.i = j
		}
	}
	l.endCommand(false)
}

// doubleQuoted reads a "…" string; substitutions inside keep their text
// and are read as commands too.
func (l *lexer) doubleQuoted() {
	l.inWord = true
	l.i++
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch c {
		case '"':
			l.i++
			return
		case '\\':
			if l.i+1 < len(l.src) && strings.IndexByte("$`\"\\\n", l.src[l.i+1]) >= 0 {
				if l.src[l.i+1] != '\n' {
					l.word.WriteByte(l.src[l.i+1])
				}
				l.i += 2
				continue
			}
			l.word.WriteByte(c)
			l.i++
		case '$':
			if l.next() == '(' {
				l.substitution(l.i, l.i+1)
				continue
			}
			l.word.WriteByte(c)
			l.i++
		case '`':
			l.backtick()
		default:
			l.word.WriteByte(c)
			l.i++
		}
	}
}

// dollar reads $(…), ${…} or a plain $.
func (l *lexer) dollar() {
	switch l.next() {
	case '(':
		l.substitution(l.i, l.i+1)
	case '{':
		end := strings.IndexByte(l.src[l.i:], '}')
		if end < 0 {
			end = len(l.src)
		} else {
			end += l.i + 1
		}
		l.add(l.src[l.i:end])
		l.i = end
	default:
		l.add("$")
		l.i++
	}
}

// substitution keeps the text of $(…) or <(…) starting at start, whose
// parenthesis is at open, in the current word and reads its commands.
func (l *lexer) substitution(start, open int) {
	end, closed := matchParen(l.src, open)
	l.add(l.src[start:end])
	inner := l.src[open+1 : end]
	if closed {
		inner = l.src[open+1 : end-1]
	}
	if !strings.HasPrefix(inner, "(") { // $(( … )) is arithmetic
		l.nested(inner)
	}
	l.i = end
}

func (l *lexer) backtick() {
	j := l.i + 1
	for j < len(l.src) && l.src[j] != '`' {
		if l.src[j] == '\\' {
			j++
		}
		j++
	}
	inner := l.src[l.i+1 : min(j, len(l.src))]
	end := min(j+1, len(l.src))
	l.add(l.src[l.i:end])
	l.nested(inner)
	l.i = end
}

func (l *lexer) nested(src string) {
	if l.depth >= maxShellDepth {
		return
	}
	for _, pl := range parseShellDepth(src, l.depth+1) {
		for i := range pl {
			pl[i].sub = true
		}
		l.out = append(l.out, pl)
	}
}

// matchParen returns the index after the parenthesis closing the one at
// open, or len(s) and false if there is none.
func matchParen(s string, open int) (int, bool) {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return len(s), false
			}
			i += j + 1
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return len(s), false
}

// redirect reads a redirection operator; the next word is its target.
func (l *lexer) redirect() {
	if w := l.word.String(); l.inWord && w != "" && strings.Trim(w, "0123456789") == "" {
		l.word.Reset() // a file descriptor number: part of the redirection
		l.inWord = false
	} else {
		l.endWord()
	}
	for _, op := range redirOps {
		if strings.HasPrefix(l.src[l.i:], op) {
			l.redir = op
			l.i += len(op)
			return
		}
	}
	l.i++
}

func (l *lexer) endWord() {
	if !l.inWord {
		return
	}
	w := l.word.String()
	l.word.Reset()
	l.inWord = false
	if l.redir != "" {
		if l.redir == "<<" || l.redir == "<<-" {
			l.heredocs = append(l.heredocs, heredocMark{delim: w, tabs: l.redir == "<<-"})
		}
		l.redir = ""
		return
	}
	l.words = append(l.words, w)
}

func (l *lexer) endCommand(pipe bool) {
	l.endWord()
	l.redir = ""
	if len(l.words) > 0 {
		if c, ok := newCommand(l.words); ok {
			l.pipe = append(l.pipe, c)
		}
		l.words = nil
	}
	if !pipe && len(l.pipe) > 0 {
		l.out = append(l.out, l.pipe)
		l.pipe = nil
	}
}

// skipHeredocs passes over the bodies of the heredocs opened on the line
// just ended.
func (l *lexer) skipHeredocs() {
	for _, h := range l.heredocs {
		for l.i < len(l.src) {
			end := strings.IndexByte(l.src[l.i:], '\n')
			var line string
			if end < 0 {
				line, l.i = l.src[l.i:], len(l.src)
			} else {
				line, l.i = l.src[l.i:l.i+end], l.i+end+1
			}
			line = strings.TrimSuffix(line, "\r")
			if h.tabs {
				line = strings.TrimLeft(line, "\t")
			}
			if line == h.delim {
				break
			}
		}
	}
	l.heredocs = nil
}

// shellKeywords start or end compound commands; the command proper
// follows them.
var shellKeywords = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "fi": true, "do": true, "done": true,
	"while": true, "until": true, "!": true, "{": true, "}": true, "esac": true, "time": true,
}

var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\+?=`)

// newCommand normalises a simple command's words.
func newCommand(words []string) (command, bool) {
	for len(words) > 0 && shellKeywords[words[0]] {
		words = words[1:]
	}
	for len(words) > 0 && words[len(words)-1] == "}" {
		words = words[:len(words)-1]
	}
	if len(words) == 0 {
		return command{}, false
	}
	c := command{words: words}
	i := 0
loop:
	for i < len(words) {
		w := words[i]
		if assignment.MatchString(w) {
			c.env = append(c.env, w)
			i++
			continue
		}
		switch baseName(w) {
		case "sudo", "doas":
			c.sudo = true
			i = skipOptions(words, i+1, "-u -g -C -D -h -p -r -t -U -T --user --group --chdir --prompt --role --type --host --other-user --close-from --command-timeout")
		case "env":
			i++
			for i < len(words) {
				switch {
				case assignment.MatchString(words[i]):
					c.env = append(c.env, words[i])
				case words[i] == "-u" || words[i] == "-C" || words[i] == "-S" || words[i] == "--unset" || words[i] == "--chdir":
					i++
				case !strings.HasPrefix(words[i], "-"):
					continue loop
				}
				i++
			}
		case "exec", "nohup", "nice", "stdbuf", "eatmydata", "chronic", "timeout", "setpriv", "runuser":
			i = skipOptions(words, i+1, "-n --adjustment -i -o -e -k -s --signal --kill-after -u --user -g --group")
			if baseName(w) == "timeout" && i < len(words) {
				i++ // the duration
			}
		case "gosu", "su-exec":
			i += 2
		default:
			break loop
		}
	}
	if i < len(words) {
		c.args = words[i:]
		c.name = normaliseName(c.args[0])
		if c.name == "python" && len(c.args) > 2 && c.args[1] == "-m" && strings.HasPrefix(c.args[2], "pip") {
			c.args = c.args[2:]
			c.name = "pip"
		}
	}
	return c, true
}

// skipOptions returns the index of the first word at or after i that is
// not an option; valued lists the options that take the next word.
func skipOptions(words []string, i int, valued string) int {
	takes := strings.Fields(valued)
	for i < len(words) && strings.HasPrefix(words[i], "-") && len(words[i]) > 1 {
		w := words[i]
		i++
		if w == "--" {
			break
		}
		for _, v := range takes {
			if w == v {
				i++
				break
			}
		}
	}
	return i
}

func baseName(w string) string {
	if j := strings.LastIndexByte(w, '/'); j >= 0 {
		return w[j+1:]
	}
	return w
}

var versioned = regexp.MustCompile(`^(pip|python|pypy|perl|ruby|php|node)[0-9.]*$`)

// normaliseName maps a program path to the name the checks know: pip3.11
// is pip, /usr/bin/python3 is python, xx-apt-get (the cross-compilation
// wrapper) is apt-get.
func normaliseName(w string) string {
	n := baseName(w)
	if m := versioned.FindStringSubmatch(n); m != nil {
		return m[1]
	}
	switch n {
	case "xx-apt-get", "xx-apk", "xx-apt":
		return n[3:]
	}
	return n
}

// argv is a command's arguments split into options and operands.
type argv struct {
	flags    []flagArg
	operands []string
}

type flagArg struct {
	name  string // "-y", "--no-cache"
	value string
}

// has reports whether any of the named options is present.
func (a argv) has(names ...string) bool {
	for _, f := range a.flags {
		for _, n := range names {
			if f.name == n {
				return true
			}
		}
	}
	return false
}

// values returns the values of the named options.
func (a argv) values(names ...string) []string {
	var out []string
	for _, f := range a.flags {
		for _, n := range names {
			if f.name == n {
				out = append(out, f.value)
			}
		}
	}
	return out
}

// count is how often the named options appear.
func (a argv) count(name string) int {
	n := 0
	for _, f := range a.flags {
		if f.name == name {
			n++
		}
	}
	return n
}

// parseArgs splits args (without the program name) into options and
// operands, getopt style: short options may be clustered (-yq), long ones
// take their value after = or, when listed in valued, as the next word.
// valued holds both short ("-o") and long ("--option") names.
func parseArgs(args []string, valued string) argv {
	takes := map[string]bool{}
	for _, v := range strings.Fields(valued) {
		takes[v] = true
	}
	var a argv
	for i := 0; i < len(args); i++ {
		w := args[i]
		switch {
		case w == "--":
			a.operands = append(a.operands, args[i+1:]...)
			return a
		case strings.HasPrefix(w, "--"):
			name, value, ok := strings.Cut(w, "=")
			if !ok && takes[name] && i+1 < len(args) {
				i++
				value = args[i]
			}
			a.flags = append(a.flags, flagArg{name: name, value: value})
		case strings.HasPrefix(w, "-") && len(w) > 1:
			for j := 1; j < len(w); j++ {
				name := "-" + w[j:j+1]
				if takes[name] {
					value := strings.TrimPrefix(w[j+1:], "=")
					if value == "" && i+1 < len(args) {
						i++
						value = args[i]
					}
					a.flags = append(a.flags, flagArg{name: name, value: value})
					break
				}
				a.flags = append(a.flags, flagArg{name: name})
			}
		default:
			a.operands = append(a.operands, w)
		}
	}
	return a
}
