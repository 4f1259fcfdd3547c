package host

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// value is one daemon option as a file sets it: a scalar is one value, a
// list its items, an object its keys; line is where its key is.
type value struct {
	values []string
	line   int
}

// parseDaemonJSON reads daemon.json: each top-level key with its value
// and line. Nested values are kept only as far as the checks need them.
func parseDaemonJSON(data []byte) (map[string]value, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, errors.New("not a JSON object")
	}
	lines := keyLines(data)
	out := make(map[string]value, len(raw))
	for k, v := range raw {
		out[k] = value{values: jsonValues(v), line: lines[k]}
	}
	return out, nil
}

// jsonValues flattens one option's value into strings.
func jsonValues(v json.RawMessage) []string {
	var s string
	var list []any
	var obj map[string]any
	switch {
	case json.Unmarshal(v, &s) == nil:
		return []string{s}
	case json.Unmarshal(v, &list) == nil:
		var out []string
		for _, e := range list {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case json.Unmarshal(v, &obj) == nil:
		var out []string
		for k := range obj {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	return []string{string(bytes.TrimSpace(v))} // true, false, numbers, null
}

// keyLines finds the line of each top-level key of a JSON object, which
// encoding/json does not report, by walking its tokens.
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(data))
	depth, wantKey := 0, false
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return lines
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				depth++
				wantKey = depth == 1 && t == '{'
			default:
				depth--
				wantKey = depth == 1
			}
			continue
		case string:
			if depth == 1 && wantKey {
				// The key starts after the separator and spaces that
				// precede it.
				at := int(before) + bytes.IndexByte(data[before:], '"')
				lines[t] = 1 + bytes.Count(data[:at], []byte("\n"))
				wantKey = false
				continue
			}
		}
		if depth == 1 {
			wantKey = true
		}
	}
}

// unitLine is one "Key=Value" line of a systemd unit file, its
// continuation lines joined.
type unitLine struct {
	section, key, value string
	line                int
}

// parseUnit reads a systemd unit file or drop-in.
func parseUnit(data []byte) []unitLine {
	var out []unitLine
	section := ""
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		l := strings.TrimSpace(lines[i])
		for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
			i++
			next := strings.TrimSpace(lines[i])
			if strings.HasPrefix(next, "#") || strings.HasPrefix(next, ";") {
				continue // comments inside a continued line are skipped
			}
			l = strings.TrimSuffix(l, "\\") + " " + next
		}
		switch {
		case l == "" || l[0] == '#' || l[0] == ';':
		case l[0] == '[' && strings.HasSuffix(l, "]"):
			section = l[1 : len(l)-1]
		default:
			k, v, ok := strings.Cut(l, "=")
			if ok {
				out = append(out, unitLine{section, strings.TrimSpace(k), strings.TrimSpace(v), start})
			}
		}
	}
	return out
}

// splitCommand splits an ExecStart command line into words as systemd
// does: spaces separate, single and double quotes group, a backslash
// escapes the next character.
func splitCommand(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// parseEnvFile reads an EnvironmentFile: KEY=VALUE lines, values
// optionally quoted, each with its line.
func parseEnvFile(data []byte) map[string]value {
	out := map[string]value{}
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[strings.TrimSpace(k)] = value{values: []string{v}, line: i + 1}
	}
	return out
}

// boolFlags are the dockerd flags that take no separate value.
var boolFlags = map[string]bool{
	"D": true, "debug": true, "experimental": true, "icc": true, "init": true,
	"ip-forward": true, "ip-masq": true, "ip6tables": true, "iptables": true,
	"ipv6": true, "live-restore": true, "no-new-privileges": true, "raw-logs": true,
	"selinux-enabled": true, "tls": true, "tlsverify": true, "userland-proxy": true,
	"validate": true, "rootless": true,
}

// flagKeys maps dockerd flags to the daemon.json keys they set, where the
// names differ.
var flagKeys = map[string]string{
	"H": "hosts", "host": "hosts", "D": "debug", "l": "log-level", "s": "storage-driver",
	"g": "data-root", "graph": "data-root", "insecure-registry": "insecure-registries",
	"storage-opt": "storage-opts", "default-ulimit": "default-ulimits",
	"authorization-plugin": "authorization-plugins", "log-opt": "log-opts",
	"registry-mirror": "registry-mirrors", "label": "labels",
}

// option is one option given on dockerd's command line, under its
// daemon.json key; word is the index of the argument it starts at.
type option struct {
	key, value string
	word       int
}

// parseFlags reads dockerd's arguments (after the program). Words that
// are not flags are ignored, as dockerd takes no arguments.
func parseFlags(args []string) []option {
	var out []option
	for i := 0; i < len(args); i++ {
		a, start := args[i], i
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		name := strings.TrimLeft(a, "-")
		val, hasVal := "", false
		if n, v, ok := strings.Cut(name, "="); ok {
			name, val, hasVal = n, v, true
		} else if a[1] != '-' && len(name) > 1 && !boolFlags[name] {
			name, val, hasVal = name[:1], name[1:], true // -Htcp://…
		}
		if !hasVal {
			if boolFlags[name] {
				val = "true"
			} else if i+1 < len(args) {
				i++
				val = args[i]
			}
		}
		key := name
		if k, ok := flagKeys[name]; ok {
			key = k
		}
		out = append(out, option{key, val, start})
	}
	return out
}
