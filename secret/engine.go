// Package secret finds credentials in text: a rule set of known token
// formats and of generic assignments, run by an engine that first finds
// each rule's keywords in one pass (an Aho-Corasick automaton, case
// insensitive) and only then runs the regular expressions of the rules
// whose keywords appeared. Matched values are redacted before they leave
// the engine: nothing downstream ever holds a full secret.
package secret

import (
	"bytes"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Severities.
const (
	Critical = "CRITICAL"
	High     = "HIGH"
	Medium   = "MEDIUM"
	Low      = "LOW"
)

// Rule describes one kind of secret.
type Rule struct {
	ID       string
	Title    string
	Severity string
	// Keywords: the rule's regular expression runs only on text containing
	// one of these (case-insensitive). Every rule has at least one.
	Keywords []string
	// Regex finds the secret; SecretGroup names the submatch holding the
	// secret itself (0 for the whole match).
	Regex       *regexp.Regexp
	SecretGroup int
	// MinEntropy, when set, is the least Shannon entropy (bits per
	// character) the secret must have: it tells generated tokens from
	// words and placeholders.
	MinEntropy float64
	// Paths, when set, limits the rule to files whose path matches.
	Paths *regexp.Regexp
	// AllowValues lists patterns of values that are not secrets
	// (placeholders, examples) for this rule; AllowPaths, files the rule
	// does not apply to.
	AllowValues []*regexp.Regexp
	AllowPaths  []*regexp.Regexp
	// Example is a made-up secret in the rule's format that it must find,
	// and NotExample a look-alike it must not: the rule's own test cases.
	Example, NotExample string
}

// Finding is one secret found in one file. Match is redacted.
type Finding struct {
	RuleID   string `json:"ruleID"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Path     string `json:"path"`
	Line     int    `json:"line"`
	// Match is the secret with all but its first few characters replaced
	// by asterisks.
	Match string `json:"match"`
	// Offset is the byte offset of the secret in the file.
	Offset int `json:"offset"`
	// Encoding says how the secret was stored when it was not plain
	// text: "base64 (Secret app/db data.password)".
	Encoding string `json:"encoding,omitempty"`
	end      int
}

// Options tune an engine.
type Options struct {
	// MaxFileSize: larger inputs are scanned only up to this many bytes
	// (default 10 MiB).
	MaxFileSize int
	// AllowPaths: files whose path matches any of these are not scanned.
	AllowPaths []*regexp.Regexp
	// AllowValues: secrets matching any of these are not reported, by
	// any rule.
	AllowValues []*regexp.Regexp
}

// Engine scans text with a rule set. It is safe for concurrent use.
type Engine struct {
	rules []Rule
	kw    *keywords
	opts  Options
	whole []bool // rules whose pattern runs on the whole text
}

// New builds an engine for rules.
func New(rules []Rule, opts Options) *Engine {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = 10 << 20
	}
	words := map[string][]int{}
	for i, r := range rules {
		for _, w := range r.Keywords {
			w = strings.ToLower(w)
			words[w] = append(words[w], i)
		}
	}
	whole := make([]bool, len(rules))
	for i, r := range rules {
		// A pattern that may span many lines (a PEM block, a JSON key
		// file) runs on the whole text; others only near their keywords.
		src := r.Regex.String()
		whole[i] = strings.Contains(src, `[\s\S]`) || strings.Contains(src, "(?s")
	}
	return &Engine{rules: rules, kw: newKeywords(words), opts: opts, whole: whole}
}

// The regular expression of a rule runs on windows of the text around
// its keywords, not on the whole text: keywords such as "token" or "key"
// appear all over source code, and the regexp package's cost is linear in
// the text it is given. A rule's keyword is part of what its pattern
// matches, so a match lies within a short distance of one; windows reach
// windowBefore bytes before a keyword and windowAfter after it, widened
// to whole lines (up to lineSlack more bytes each way), and overlapping
// windows are merged so no match is found twice.
const (
	windowBefore = 128
	windowAfter  = 384
	lineSlack    = 1024
)

type window struct{ start, end int }

// windows groups keyword hits into windows per rule; a rule that runs on
// the whole text gets one window covering it.
func (e *Engine) windows(data []byte) [][]window {
	wins := make([][]window, len(e.rules))
	e.kw.each(data, func(r, end int) {
		if e.whole[r] {
			if wins[r] == nil {
				wins[r] = []window{{0, len(data)}}
			}
			return
		}
		start, stop := max(end-windowBefore, 0), min(end+windowAfter, len(data))
		if n := len(wins[r]); n > 0 && start <= wins[r][n-1].end {
			wins[r][n-1].end = max(wins[r][n-1].end, stop)
			return
		}
		wins[r] = append(wins[r], window{start, stop})
	})
	for r, ws := range wins {
		if len(ws) == 0 || e.whole[r] {
			continue
		}
		out := ws[:0]
		for _, w := range ws {
			w = toLines(data, w)
			if n := len(out); n > 0 && w.start <= out[n-1].end {
				out[n-1].end = max(out[n-1].end, w.end)
				continue
			}
			out = append(out, w)
		}
		wins[r] = out
	}
	return wins
}

// toLines widens a window to the lines it touches, by at most lineSlack
// bytes each way (minified files have lines of megabytes).
func toLines(data []byte, w window) window {
	lo := max(w.start-lineSlack, 0)
	if i := bytes.LastIndexByte(data[lo:w.start], '\n'); i >= 0 {
		w.start = lo + i + 1
	} else {
		w.start = lo
	}
	hi := min(w.end+lineSlack, len(data))
	if i := bytes.IndexByte(data[w.end:hi], '\n'); i >= 0 {
		w.end += i
	} else {
		w.end = hi
	}
	return w
}

// Rules returns the engine's rules.
func (e *Engine) Rules() []Rule { return e.rules }

// Binary reports whether data looks like a binary file rather than text:
// a NUL byte in its first 8 KiB, or mostly invalid UTF-8 there.
func Binary(data []byte) bool {
	head := data
	if len(head) > 8<<10 {
		head = head[:8<<10]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	bad := 0
	for i := 0; i < len(head); {
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n == 1 {
			bad++
		}
		i += n
	}
	return bad*10 > len(head)
}

// Scan returns the secrets in one file's content, in file order. Binary
// content, allow-listed paths and the part beyond MaxFileSize are
// skipped. Values the file holds encoded are not decoded: see ScanWith.
func (e *Engine) Scan(path string, data []byte) []Finding {
	return e.ScanWith(path, data, nil)
}

// scanned returns the part of data the engine scans, and false when it
// scans none of it: an allow-listed path, empty or binary content.
func (e *Engine) scanned(path string, data []byte) ([]byte, bool) {
	if matchAny(e.opts.AllowPaths, path) {
		return nil, false
	}
	if len(data) > e.opts.MaxFileSize {
		data = data[:e.opts.MaxFileSize]
	}
	if len(data) == 0 || Binary(data) {
		return nil, false
	}
	return data, true
}

// scanText scans text; findings are in file order with their lines.
func (e *Engine) scanText(path string, data []byte) []Finding {
	wins := e.windows(data)
	var out []Finding
	// allowedSpans are secrets a specific rule recognised but the user's
	// allowlist for that rule set aside: the generic rules must not
	// report them again under another name.
	var allowedSpans [][2]int
	for i, ws := range wins {
		if len(ws) == 0 {
			continue
		}
		r := &e.rules[i]
		if r.Paths != nil && !r.Paths.MatchString(path) {
			continue
		}
		pathAllowed := matchAny(r.AllowPaths, path)
		for _, m := range findAll(r.Regex, data, ws) {
			g := r.SecretGroup
			if 2*g+1 >= len(m) || m[2*g] < 0 {
				continue
			}
			start, end := m[2*g], m[2*g+1]
			secret := data[start:end]
			if r.MinEntropy > 0 && entropy(secret) < r.MinEntropy {
				continue
			}
			if pathAllowed || matchAnyBytes(r.AllowValues, secret) {
				allowedSpans = append(allowedSpans, [2]int{start, end})
				continue
			}
			if placeholder.Match(secret) || matchAnyBytes(e.opts.AllowValues, secret) {
				continue
			}
			out = append(out, Finding{
				RuleID: r.ID, Title: r.Title, Severity: r.Severity, Path: path,
				Match: Redact(string(secret)), Offset: start, end: end,
			})
		}
	}
	if len(allowedSpans) > 0 {
		out = dropAllowed(out, allowedSpans)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Offset != out[j].Offset {
			return out[i].Offset < out[j].Offset
		}
		return out[i].RuleID < out[j].RuleID
	})
	out = dropOverlaps(out)
	// Line numbers, counting newlines once through the file.
	line, pos := 1, 0
	for i := range out {
		line += bytes.Count(data[pos:out[i].Offset], []byte{'\n'})
		pos = out[i].Offset
		out[i].Line = line
	}
	return out
}

// dropOverlaps keeps one finding per secret: where a specific rule and a
// generic one match at the same place, the specific one (listed first in
// the rule set) is what the user needs to see.
func dropOverlaps(fs []Finding) []Finding {
	if len(fs) < 2 {
		return fs
	}
	out := fs[:1]
	for _, f := range fs[1:] {
		last := &out[len(out)-1]
		if f.Offset == last.Offset {
			if strings.HasPrefix(last.RuleID, "generic-") && !strings.HasPrefix(f.RuleID, "generic-") {
				*last = f
			}
			continue
		}
		out = append(out, f)
	}
	return out
}

// placeholder values shared by every rule: templating, variables,
// example markers.
var placeholder = regexp.MustCompile(`(?i)^(\$\{.*\}|\$\(.*\)|\{\{.*\}\}|<[^>]*>|%[a-z_]+%|\$[a-z_][a-z0-9_]*|x{4,}|\*{3,}|.*(example|sample|dummy|placeholder|changeme|your[_-]?(api[_-]?)?(key|token|secret|password)|redacted).*)$`)

// findAll runs re on each window of data and returns the submatch
// indexes relative to data.
func findAll(re *regexp.Regexp, data []byte, ws []window) [][]int {
	var out [][]int
	for _, w := range ws {
		for _, m := range re.FindAllSubmatchIndex(data[w.start:w.end], -1) {
			for j := range m {
				if m[j] >= 0 {
					m[j] += w.start
				}
			}
			out = append(out, m)
		}
	}
	return out
}

// dropAllowed removes generic findings that overlap a secret a specific
// rule's allowlist set aside.
func dropAllowed(fs []Finding, spans [][2]int) []Finding {
	out := fs[:0]
	for _, f := range fs {
		drop := false
		if strings.HasPrefix(f.RuleID, "generic-") {
			for _, s := range spans {
				if f.Offset < s[1] && s[0] < f.end {
					drop = true
					break
				}
			}
		}
		if !drop {
			out = append(out, f)
		}
	}
	return out
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func matchAnyBytes(res []*regexp.Regexp, b []byte) bool {
	for _, re := range res {
		if re.Match(b) {
			return true
		}
	}
	return false
}

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s []byte) float64 {
	if len(s) == 0 {
		return 0
	}
	var counts [256]int
	for _, c := range s {
		counts[c]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// Redact keeps the first characters of a secret (at most 4, and at most a
// quarter of it) and replaces the rest with "****".
func Redact(s string) string {
	keep := len(s) / 4
	if keep > 4 {
		keep = 4
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + "****"
}
