package secret

import (
	"sort"
	"strings"
)

// Decoded is a value a file holds in encoded form, decoded by whoever
// parses that kind of file (misconfig/manifest for the base64 data of
// Kubernetes Secrets), so that the engine sees text no token pattern
// would match while encoded.
type Decoded struct {
	// Name is what the file calls the value (a Secret's data key). The
	// engine scans "Name: Value", so that the rules for assignments,
	// which need the name, see it too.
	Name  string
	Value []byte
	// Line is where the encoded value is in the file: findings in the
	// value are reported on it.
	Line int
	// Encoding says how the value was stored, for Finding.Encoding:
	// "base64 (Secret app/db data.password)".
	Encoding string
}

// A Decoder finds the encoded values in a file's text.
type Decoder func(path string, text []byte) []Decoded

// ScanWith is Scan, and also scans the values decode finds in the text
// Scan reads (after its allowlist, size and binary checks). Their
// findings carry the value's line, an Offset of -1 and the value's
// Encoding; a generic finding on the encoded text of the same line gives
// way to them. Empty and binary values are passed over.
func (e *Engine) ScanWith(path string, data []byte, decode Decoder) []Finding {
	data, ok := e.scanned(path, data)
	if !ok {
		return nil
	}
	out := e.scanText(path, data)
	if decode == nil {
		return out
	}
	var decoded []Finding
	for _, d := range decode(path, data) {
		if len(d.Value) == 0 || Binary(d.Value) {
			continue
		}
		text := append([]byte(d.Name+": "), d.Value...)
		for _, f := range e.scanText(path, text) {
			f.Line, f.Offset, f.Encoding = d.Line, -1, d.Encoding
			decoded = append(decoded, f)
		}
	}
	if len(decoded) > 0 {
		out = mergeDecoded(out, decoded)
	}
	return out
}

// mergeDecoded adds the findings in decoded values; a generic finding on
// the encoded text of the same line gives way to them.
func mergeDecoded(plain, decoded []Finding) []Finding {
	lines := map[int]bool{}
	for _, f := range decoded {
		lines[f.Line] = true
	}
	out := plain[:0]
	for _, f := range plain {
		if !(lines[f.Line] && strings.HasPrefix(f.RuleID, "generic-")) {
			out = append(out, f)
		}
	}
	out = append(out, decoded...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}
