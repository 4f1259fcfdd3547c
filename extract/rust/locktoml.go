package rust

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Cargo.lock is TOML, but only a small part of it: tables and arrays of
// tables, keys, strings, arrays of strings and the odd integer. Cargo
// writes nothing else, and no tool that edits lockfiles does either.
// decodeLock reads that part in one linear pass and rejects the rest.
//
// A general TOML decoder (github.com/BurntSushi/toml, which the tests use
// as the reference) takes tens of seconds on some hostile 16 MiB inputs:
// thousands of distinct tables, or nested dotted keys, cost it time
// quadratic in their number. An image can hold any number of files named
// Cargo.lock, so that was not a cost to accept.

// lockDoc is what decodeLock reads from a lockfile.
type lockDoc struct {
	packages []lockPackage
	// root is the [root] table lockfiles older than cargo 0.22 kept the
	// root crate in, outside the package list.
	root *lockPackage
}

var errUnsupported = errors.New("TOML that lockfiles do not use")

// decodeLock reads the packages of a lockfile.
func decodeLock(data []byte) (lockDoc, error) {
	if !utf8.Valid(data) {
		return lockDoc{}, errors.New("not UTF-8")
	}
	d := &lockDecoder{data: data}
	doc, err := d.doc()
	if err != nil {
		return lockDoc{}, fmt.Errorf("line %d: %w", 1+bytes.Count(data[:min(d.pos, len(data))], []byte("\n")), err)
	}
	return doc, nil
}

type lockDecoder struct {
	data []byte
	pos  int
}

// value kinds
const (
	scalar = iota // integer, boolean, date: read past, not kept
	str
	list
)

type lockValue struct {
	kind int
	str  string
	list []string
}

func (d *lockDecoder) doc() (lockDoc, error) {
	var doc lockDoc
	const none, root = -1, -2
	cur := none // index into doc.packages, or none, or root
	for {
		d.skipBlank()
		if d.pos >= len(d.data) {
			return doc, nil
		}
		if d.data[d.pos] == '[' {
			name, array, err := d.header()
			if err != nil {
				return doc, err
			}
			switch {
			case array && name == "package":
				doc.packages = append(doc.packages, lockPackage{})
				cur = len(doc.packages) - 1
			case !array && name == "root":
				doc.root = &lockPackage{}
				cur = root
			default: // [metadata], [[patch.unused]], ...
				cur = none
			}
			continue
		}
		key, err := d.key()
		if err != nil {
			return doc, err
		}
		if !d.consume('=') {
			return doc, errors.New("expected = after a key")
		}
		d.skipSpace()
		v, err := d.value()
		if err != nil {
			return doc, err
		}
		if err := d.endOfLine(); err != nil {
			return doc, err
		}
		var p *lockPackage
		switch cur {
		case none:
			continue
		case root:
			p = doc.root
		default:
			p = &doc.packages[cur]
		}
		if err := assign(p, key, v); err != nil {
			return doc, err
		}
	}
}

func assign(p *lockPackage, key string, v lockValue) error {
	var field *string
	switch key {
	case "name":
		field = &p.Name
	case "version":
		field = &p.Version
	case "source":
		field = &p.Source
	case "dependencies":
		if v.kind != list {
			return fmt.Errorf("%s is not an array", key)
		}
		p.Dependencies = v.list
		return nil
	default:
		return nil
	}
	if v.kind != str {
		return fmt.Errorf("%s is not a string", key)
	}
	*field = v.str
	return nil
}

// header reads "[name]" or "[[name]]" and the rest of its line.
func (d *lockDecoder) header() (name string, array bool, err error) {
	d.pos++ // [
	array = d.pos < len(d.data) && d.data[d.pos] == '['
	if array {
		d.pos++
	}
	if name, err = d.key(); err != nil {
		return "", false, err
	}
	if !d.consume(']') || (array && (d.pos >= len(d.data) || d.data[d.pos] != ']')) {
		return "", false, errors.New("unterminated table header")
	}
	if array {
		d.pos++
	}
	return name, array, d.endOfLine()
}

// maxKeyParts bounds dotted keys. Lockfiles use none but the table name
// patch.unused.
const maxKeyParts = 16

// key reads a key, dotted or not, each part bare or quoted, and the
// spaces after it. Parts are joined with dots.
func (d *lockDecoder) key() (string, error) {
	var parts []string
	for {
		d.skipSpace()
		if d.pos >= len(d.data) {
			return "", errors.New("expected a key")
		}
		var part string
		switch d.data[d.pos] {
		case '"':
			s, err := d.basicString()
			if err != nil {
				return "", err
			}
			part = s
		case '\'':
			s, err := d.literalString()
			if err != nil {
				return "", err
			}
			part = s
		default:
			start := d.pos
			for d.pos < len(d.data) && isBareKey(d.data[d.pos]) {
				d.pos++
			}
			if d.pos == start {
				return "", fmt.Errorf("unexpected %q", d.data[d.pos])
			}
			part = string(d.data[start:d.pos])
		}
		if parts = append(parts, part); len(parts) > maxKeyParts {
			return "", fmt.Errorf("dotted key of over %d parts: %w", maxKeyParts, errUnsupported)
		}
		d.skipSpace()
		if !d.consume('.') {
			return strings.Join(parts, "."), nil
		}
	}
}

func isBareKey(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// value reads a string, an array of strings, or a scalar.
func (d *lockDecoder) value() (lockValue, error) {
	if d.pos >= len(d.data) {
		return lockValue{}, errors.New("expected a value")
	}
	switch d.data[d.pos] {
	case '"':
		s, err := d.basicString()
		return lockValue{kind: str, str: s}, err
	case '\'':
		s, err := d.literalString()
		return lockValue{kind: str, str: s}, err
	case '[':
		d.pos++
		var l []string
		for {
			d.skipBlank()
			if d.consume(']') {
				return lockValue{kind: list, list: l}, nil
			}
			if d.pos >= len(d.data) {
				return lockValue{}, errors.New("unterminated array")
			}
			var s string
			var err error
			switch d.data[d.pos] {
			case '"':
				s, err = d.basicString()
			case '\'':
				s, err = d.literalString()
			default:
				return lockValue{}, fmt.Errorf("array of something other than strings: %w", errUnsupported)
			}
			if err != nil {
				return lockValue{}, err
			}
			l = append(l, s)
			d.skipBlank()
			if !d.consume(',') && (d.pos >= len(d.data) || d.data[d.pos] != ']') {
				return lockValue{}, errors.New("expected , or ] in an array")
			}
		}
	case '{':
		return lockValue{}, fmt.Errorf("inline table: %w", errUnsupported)
	}
	start := d.pos
	for d.pos < len(d.data) && (isBareKey(d.data[d.pos]) || strings.IndexByte(":+.", d.data[d.pos]) >= 0) {
		d.pos++
	}
	if d.pos == start {
		return lockValue{}, fmt.Errorf("unexpected %q", d.data[d.pos])
	}
	return lockValue{kind: scalar}, nil
}

// basicString reads a "double-quoted" string with its escapes.
func (d *lockDecoder) basicString() (string, error) {
	if bytes.HasPrefix(d.data[d.pos:], []byte(`"""`)) {
		return "", fmt.Errorf("multi-line string: %w", errUnsupported)
	}
	d.pos++
	start := d.pos
	// Most strings have no escapes and are a slice of the input.
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; {
		case c == '"':
			d.pos++
			return string(d.data[start : d.pos-1]), nil
		case c == '\\':
			return d.escapedString(start)
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", errors.New("control character in a string")
		}
		d.pos++
	}
	return "", errors.New("unterminated string")
}

// escapedString goes on with a basic string from its first backslash.
func (d *lockDecoder) escapedString(start int) (string, error) {
	var b strings.Builder
	b.Write(d.data[start:d.pos])
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return b.String(), nil
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", errors.New("control character in a string")
		case c != '\\':
			b.WriteByte(c)
			d.pos++
			continue
		}
		if d.pos+1 >= len(d.data) {
			break
		}
		e := d.data[d.pos+1]
		d.pos += 2
		n := 0 // hex digits that follow
		switch e {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case 'e':
			b.WriteByte(0x1b)
		case '"', '\\':
			b.WriteByte(e)
		case 'x':
			n = 2
		case 'u':
			n = 4
		case 'U':
			n = 8
		default:
			return "", fmt.Errorf("bad escape \\%c", e)
		}
		if n == 0 {
			continue
		}
		if d.pos+n > len(d.data) {
			return "", errors.New("unterminated string")
		}
		v, err := strconv.ParseUint(string(d.data[d.pos:d.pos+n]), 16, 32)
		if err != nil || !utf8.ValidRune(rune(v)) {
			return "", fmt.Errorf("bad escape \\%c%s", e, d.data[d.pos:d.pos+n])
		}
		b.WriteRune(rune(v))
		d.pos += n
	}
	return "", errors.New("unterminated string")
}

// literalString reads a 'single-quoted' string, which has no escapes.
func (d *lockDecoder) literalString() (string, error) {
	if bytes.HasPrefix(d.data[d.pos:], []byte(`'''`)) {
		return "", fmt.Errorf("multi-line string: %w", errUnsupported)
	}
	d.pos++
	end := bytes.IndexAny(d.data[d.pos:], "'\n")
	if end < 0 || d.data[d.pos+end] != '\'' {
		return "", errors.New("unterminated string")
	}
	s := string(d.data[d.pos : d.pos+end])
	d.pos += end + 1
	return s, nil
}

// consume skips spaces, then c if it is next.
func (d *lockDecoder) consume(c byte) bool {
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

func (d *lockDecoder) skipSpace() {
	for d.pos < len(d.data) && (d.data[d.pos] == ' ' || d.data[d.pos] == '\t') {
		d.pos++
	}
}

// skipBlank skips spaces, newlines and comments.
func (d *lockDecoder) skipBlank() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		case '#':
			d.skipComment()
		default:
			return
		}
	}
}

func (d *lockDecoder) skipComment() {
	if i := bytes.IndexByte(d.data[d.pos:], '\n'); i >= 0 {
		d.pos += i
	} else {
		d.pos = len(d.data)
	}
}

// endOfLine skips spaces and a comment, and requires the line to end.
func (d *lockDecoder) endOfLine() error {
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '#' {
		d.skipComment()
	}
	if d.pos < len(d.data) && d.data[d.pos] == '\r' {
		d.pos++
	}
	if d.pos < len(d.data) && d.data[d.pos] != '\n' {
		return fmt.Errorf("unexpected %q after a value", d.data[d.pos])
	}
	return nil
}
