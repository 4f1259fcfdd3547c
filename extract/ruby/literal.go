package ruby

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads the Ruby literals a gemspec assigns: strings in their
// quoted and percent forms, arrays of them, and Gem::Version.new(...). It
// never recurses, so hostile nesting cannot exhaust the stack, and every
// loop advances through its input, so it cannot hang.

// skipSpace drops leading blanks, and newlines too when newlines is set
// (inside brackets a Ruby expression may continue on the next line).
func skipSpace(s string, newlines bool) string {
	for len(s) > 0 {
		switch s[0] {
		case ' ', '\t':
		case '\n', '\r':
			if !newlines {
				return s
			}
		default:
			return s
		}
		s = s[1:]
	}
	return s
}

// closer returns the closing delimiter of a percent literal, and whether
// the pair nests ("%q(a(b)c)" is "a(b)c").
func closer(open byte) (byte, bool) {
	switch open {
	case '(':
		return ')', true
	case '[':
		return ']', true
	case '{':
		return '}', true
	case '<':
		return '>', true
	}
	return open, false
}

// status says how reading a literal went.
type status int

const (
	litOK status = iota
	// litNo: what follows is not a literal this reader evaluates (a
	// constant, a method call, an interpolated string).
	litNo
	// litUnterminated: a literal opens but never closes. Ruby would reject
	// the file; a reader that went on would rescan the rest of the file for
	// every such literal, which hostile input could make quadratic.
	litUnterminated
)

// readString reads one string literal at the start of s (after blanks),
// with an optional trailing .freeze, as RubyGems writes them. It returns
// the string's value and what follows it. Interpolation ("#{...}") cannot
// be evaluated, so a literal containing it is not read.
func readString(s string) (val, rest string, st status) {
	s = skipSpace(s, false)
	if s == "" {
		return "", s, litNo
	}
	switch {
	case s[0] == '"':
		val, rest, st = readQuoted(s[1:], '"', 0, true)
	case s[0] == '\'':
		val, rest, st = readQuoted(s[1:], '\'', 0, false)
	case s[0] == '%' && len(s) >= 3 && (s[1] == 'q' || s[1] == 'Q') && isDelimiter(s[2]):
		end, nests := closer(s[2])
		var open byte
		if nests {
			open = s[2]
		}
		val, rest, st = readQuoted(s[3:], end, open, s[1] == 'Q')
	case s[0] == '%' && len(s) >= 2 && (s[1] == '{' || s[1] == '(' || s[1] == '[' || s[1] == '<'):
		end, _ := closer(s[1])
		val, rest, st = readQuoted(s[2:], end, s[1], true)
	default:
		return "", s, litNo
	}
	if st != litOK {
		return "", s, st
	}
	rest = skipSpace(rest, false)
	rest = strings.TrimPrefix(rest, ".freeze")
	return val, rest, litOK
}

// isDelimiter reports whether c may open a percent literal: any ASCII
// punctuation, as Ruby allows.
func isDelimiter(c byte) bool {
	return c > ' ' && c < 0x7f && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9')
}

// readQuoted reads a literal's body up to the unescaped end delimiter.
// open, when not 0, is a bracket that nests. double selects double-quote
// escapes; otherwise only the delimiters and the backslash are escapes.
func readQuoted(s string, end, open byte, double bool) (val, rest string, st status) {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			n := s[i+1]
			if !double {
				if n == '\\' || n == end || (open != 0 && n == open) {
					b.WriteByte(n)
				} else {
					b.WriteByte('\\')
					b.WriteByte(n)
				}
				i += 2
				continue
			}
			adv, ok := unescape(&b, s[i+1:])
			if !ok {
				return "", s, litNo
			}
			i += 1 + adv
		case open != 0 && c == open:
			depth++
			b.WriteByte(c)
			i++
		case c == end && depth > 0:
			depth--
			b.WriteByte(c)
			i++
		case c == end:
			return b.String(), s[i+1:], litOK
		case double && c == '#' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '@' || s[i+1] == '$'):
			return "", s, litNo // interpolation: the value is not in the file
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", s, litUnterminated
}

// unescape writes the character a double-quoted escape stands for; s
// starts after the backslash. It returns how many bytes of s the escape
// used.
func unescape(b *strings.Builder, s string) (int, bool) {
	switch c := s[0]; c {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case 's':
		b.WriteByte(' ')
	case 'e':
		b.WriteByte(0x1b)
	case 'a':
		b.WriteByte(0x07)
	case 'b':
		b.WriteByte(0x08)
	case 'f':
		b.WriteByte(0x0c)
	case 'v':
		b.WriteByte(0x0b)
	case 'u':
		if len(s) > 1 && s[1] == '{' {
			// \u{X} or \u{X Y ...}: code points separated by blanks. The
			// search is bounded so that many unclosed escapes stay linear.
			j := strings.IndexByte(s[:min(len(s), 256)], '}')
			if j < 0 {
				return 0, false
			}
			for _, h := range strings.Fields(s[2:j]) {
				if !writeRune(b, h) {
					return 0, false
				}
			}
			return j + 1, true
		}
		if len(s) < 5 || !writeRune(b, s[1:5]) {
			return 0, false
		}
		return 5, true
	case 'x':
		n := 1
		for n < 3 && n < len(s) && isHex(s[n]) {
			n++
		}
		if n == 1 {
			return 0, false
		}
		v, _ := strconv.ParseUint(s[1:n], 16, 8)
		b.WriteByte(byte(v))
		return n, true
	case '0', '1', '2', '3', '4', '5', '6', '7':
		n := 1
		for n < 3 && n < len(s) && '0' <= s[n] && s[n] <= '7' {
			n++
		}
		v, _ := strconv.ParseUint(s[:n], 8, 16)
		b.WriteByte(byte(v))
		return n, true
	case '\n':
		// A backslash before a newline continues the line.
	default:
		// \" \\ \# and any other escaped character stand for themselves.
		_, size := utf8.DecodeRuneInString(s)
		b.WriteString(s[:size])
		return size, true
	}
	return 1, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// writeRune writes the code point the hex digits h name.
func writeRune(b *strings.Builder, h string) bool {
	if len(h) == 0 || len(h) > 6 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if !isHex(h[i]) {
			return false
		}
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil || v > utf8.MaxRune {
		return false
	}
	b.WriteRune(rune(v))
	return true
}

// readStrings reads an array of string literals ("[a, b]", as RubyGems
// writes licenses), a %w word list, or a single string.
func readStrings(s string) (vals []string, rest string, st status) {
	s = skipSpace(s, false)
	switch {
	case strings.HasPrefix(s, "%w") || strings.HasPrefix(s, "%W"):
		if len(s) < 3 || !isDelimiter(s[2]) {
			return nil, s, litNo
		}
		end, nests := closer(s[2])
		var open byte
		if nests {
			open = s[2]
		}
		body, rest, st := readQuoted(s[3:], end, open, false)
		if st != litOK {
			return nil, s, st
		}
		return strings.Fields(body), rest, litOK
	case strings.HasPrefix(s, "["):
		t := s[1:]
		for {
			t = skipSpace(t, true)
			if strings.HasPrefix(t, "]") {
				return vals, t[1:], litOK
			}
			v, r, st := readString(t)
			if st != litOK {
				return nil, s, st
			}
			vals = append(vals, v)
			t = skipSpace(r, true)
			if strings.HasPrefix(t, ",") {
				t = t[1:]
			} else if !strings.HasPrefix(t, "]") {
				return nil, s, litNo
			}
		}
	}
	v, rest, st := readString(s)
	if st != litOK {
		return nil, s, st
	}
	return []string{v}, rest, litOK
}

// readVersion reads a version: a string literal, or one wrapped in
// Gem::Version.new(...) as hand-written gemspecs sometimes have it.
func readVersion(s string) (string, string, status) {
	s = skipSpace(s, false)
	for _, ctor := range []string{"Gem::Version.new(", "Gem::Version.create("} {
		if t, ok := strings.CutPrefix(s, ctor); ok {
			v, rest, st := readString(t)
			if st != litOK {
				return "", s, st
			}
			if rest = skipSpace(rest, true); !strings.HasPrefix(rest, ")") {
				return "", s, litNo
			}
			return v, rest[1:], litOK
		}
	}
	return readString(s)
}
