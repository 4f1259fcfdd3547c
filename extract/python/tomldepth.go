package python

import (
	"bytes"
	"fmt"

	"github.com/BurntSushi/toml"
)

// decodeTOMLLock decodes a TOML lockfile into v once its nesting is known
// to be within bounds.
func decodeTOMLLock(data []byte, v any) error {
	if err := checkTOMLNesting(data); err != nil {
		return err
	}
	return toml.Unmarshal(data, v)
}

// maxTOMLNesting bounds how deeply arrays and tables may nest in a TOML
// lockfile, by brackets or by the parts of a dotted key (a.b.c is three
// nested tables). Real lockfiles reach 3 ([[package]] → wheels = [ { } ],
// [package.metadata.requires-dev]). BurntSushi/toml takes time and memory
// that grow steeply with nesting (a 10,000-part dotted key takes seconds,
// 100,000 minutes), so deeper input is refused before it gets there.
const maxTOMLNesting = 32

// checkTOMLNesting scans TOML text for brackets, braces and dots outside
// strings and comments and fails when arrays and tables nest deeper than
// maxTOMLNesting or a dotted key has more parts. It does not validate
// anything else: the TOML decoder does that.
func checkTOMLNesting(data []byte) error {
	depth := 0
	dots := 0 // in the current dotted key; a float's one dot counts too
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '#':
			j := bytes.IndexByte(data[i:], '\n')
			if j < 0 {
				return nil
			}
			i += j
			dots = 0
		case '"', '\'':
			i = skipTOMLString(data, i)
		case '.':
			if dots++; dots > maxTOMLNesting {
				return fmt.Errorf("a dotted key of more than %d parts", maxTOMLNesting)
			}
		case '[', '{':
			if depth++; depth > maxTOMLNesting {
				return fmt.Errorf("arrays or tables nested deeper than %d", maxTOMLNesting)
			}
			dots = 0
		case ']', '}':
			if depth > 0 {
				depth--
			}
			dots = 0
		case '=', ',', '\n':
			dots = 0
		}
	}
	return nil
}

// skipTOMLString returns the index of the last byte of the string starting
// at data[i] (a quote), or len(data) when it is unterminated. Basic strings
// ("...", """...""") have backslash escapes; literal strings ('...',
// ”'...”') have none. Single-line strings end at a newline at the latest.
func skipTOMLString(data []byte, i int) int {
	q := data[i]
	if i+2 < len(data) && data[i+1] == q && data[i+2] == q {
		for j := i + 3; j < len(data); j++ {
			switch {
			case q == '"' && data[j] == '\\':
				j++
			case data[j] == q && j+2 < len(data) && data[j+1] == q && data[j+2] == q:
				// Up to two more quotes may belong to the content
				// ("""a"""" ends with a quote in the string).
				k := j + 3
				for n := 0; n < 2 && k < len(data) && data[k] == q; n++ {
					k++
				}
				return k - 1
			}
		}
		return len(data)
	}
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			if q == '"' {
				j++
			}
		case q, '\n':
			return j
		}
	}
	return len(data)
}
