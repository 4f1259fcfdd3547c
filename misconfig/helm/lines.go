package helm

import (
	"bytes"
)

// LineMap maps the lines of a template's rendered output back to lines of
// the template, so that a finding on rendered YAML can point into the file
// the user edits. Index i of the result is the template line of rendered
// line i (1-based; index 0 is unused), or 0 where there is none to point
// to with confidence.
//
// Templates have no source map, so the mapping goes by YAML key: the n-th
// rendered line with key k maps to the n-th template line with key k, but
// only when k occurs as often in the template as in the output. Keys that
// conditionals, loops or included values (toYaml) repeat or remove stay
// unmapped rather than mapped to a wrong line.
func LineMap(template, rendered []byte) []int {
	tLines := keyLines(template)
	rLines := keyLines(rendered)
	inTemplate := map[string][]int{}
	for i, k := range tLines {
		if k != "" {
			inTemplate[k] = append(inTemplate[k], i+1)
		}
	}
	inOutput := map[string]int{}
	for _, k := range rLines {
		if k != "" {
			inOutput[k]++
		}
	}
	out := make([]int, len(rLines)+1)
	seen := map[string]int{}
	for i, k := range rLines {
		if k == "" {
			continue
		}
		n := seen[k]
		seen[k]++
		if at := inTemplate[k]; len(at) == inOutput[k] {
			out[i+1] = at[n]
		}
	}
	return out
}

// keyLines gives the mapping key of each line: the YAML key it sets, or
// "" for lines that set none (comments, template actions, list scalars,
// document markers).
func keyLines(data []byte) []string {
	var keys []string
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		keys = append(keys, lineKey(line))
	}
	return keys
}

func lineKey(line []byte) string {
	line = bytes.TrimSpace(line)
	for bytes.HasPrefix(line, []byte("- ")) {
		line = bytes.TrimLeft(line[2:], " ")
	}
	if len(line) == 0 || line[0] == '#' || line[0] == '{' {
		return ""
	}
	end := 0
	for end < len(line) && isKeyByte(line[end]) {
		end++
	}
	if end == 0 || end == len(line) || line[end] != ':' || (end+1 < len(line) && line[end+1] != ' ') {
		return ""
	}
	return string(bytes.Trim(line[:end], `"'`))
}

func isKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == '/' || c == '"' || c == '\''
}
