package misconfig

import (
	"bytes"
	"strings"
)

// Inline suppressions. A comment (after "#" or "//") of the form
//
//	bulwark:ignore CHECK-ID[,CHECK-ID…] [reason]
//
// sets aside findings of those checks on its own line when it trails
// code, or on the next line that is neither blank nor a comment when it
// stands alone. "bulwark:ignore-file CHECK-ID… [reason]" covers the whole
// file. Kubernetes objects may instead carry the annotation
// "ignore.bulwark.dev/CHECK-ID: reason", which covers the object.
const (
	commentMarker     = "bulwark:ignore"
	fileMarker        = "bulwark:ignore-file"
	AnnotationPrefix  = "ignore.bulwark.dev/"
	defaultIgnoreNote = "suppressed inline"
)

// Suppressions are the inline suppressions of one file.
type Suppressions struct {
	lines map[int]map[string]string // line → check ID (upper case) → reason
	file  map[string]string
}

// ParseComments reads the inline suppressions of a file's text.
func ParseComments(data []byte) Suppressions {
	s := Suppressions{}
	if !bytes.Contains(data, []byte(commentMarker)) {
		return s
	}
	var pending []string // standalone comments waiting for their line
	var pendingReasons []string
	line := 0
	for len(data) > 0 {
		line++
		var text []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			text, data = data[:i], data[i+1:]
		} else {
			text, data = data, nil
		}
		trimmed := strings.TrimSpace(string(text))
		code, comment := splitComment(trimmed)
		if comment != "" {
			if ids, reason, whole, ok := parseMarker(comment); ok {
				switch {
				case whole:
					for _, id := range ids {
						s.addFile(id, reason)
					}
				case code != "":
					for _, id := range ids {
						s.addLine(line, id, reason)
					}
				default:
					pending = append(pending, ids...)
					for range ids {
						pendingReasons = append(pendingReasons, reason)
					}
				}
			}
		}
		if code != "" && len(pending) > 0 {
			for i, id := range pending {
				s.addLine(line, id, pendingReasons[i])
			}
			pending, pendingReasons = nil, nil
		}
	}
	return s
}

// splitComment splits a trimmed line into code and the comment after it.
// A "#" starts a comment at the line's start or after a space, as in YAML,
// shells and Dockerfiles; "//" likewise.
func splitComment(line string) (code, comment string) {
	for i := 0; i < len(line); i++ {
		var n int
		switch {
		case line[i] == '#':
			n = 1
		case line[i] == '/' && i+1 < len(line) && line[i+1] == '/':
			n = 2
		default:
			continue
		}
		if i == 0 || line[i-1] == ' ' || line[i-1] == '\t' {
			return strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+n:])
		}
	}
	return line, ""
}

func parseMarker(comment string) (ids []string, reason string, whole, ok bool) {
	i := strings.Index(comment, commentMarker)
	if i < 0 {
		return nil, "", false, false
	}
	rest := comment[i+len(commentMarker):]
	if strings.HasPrefix(rest, "-file") {
		whole, rest = true, rest[len("-file"):]
	}
	rest = strings.TrimLeft(rest, " \t:=")
	list, reason, _ := strings.Cut(rest, " ")
	for _, id := range strings.Split(list, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, strings.ToUpper(id))
		}
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = defaultIgnoreNote
	}
	return ids, reason, whole, len(ids) > 0
}

func (s *Suppressions) addLine(line int, id, reason string) {
	if s.lines == nil {
		s.lines = map[int]map[string]string{}
	}
	if s.lines[line] == nil {
		s.lines[line] = map[string]string{}
	}
	s.lines[line][id] = reason
}

func (s *Suppressions) addFile(id, reason string) {
	if s.file == nil {
		s.file = map[string]string{}
	}
	s.file[id] = reason
}

// Empty says whether the file suppresses nothing.
func (s Suppressions) Empty() bool { return len(s.lines) == 0 && len(s.file) == 0 }

// Reason returns why a finding of check id spanning lines start..end is
// suppressed, if it is.
func (s Suppressions) Reason(id string, start, end int) (string, bool) {
	id = strings.ToUpper(id)
	if r, ok := s.file[id]; ok {
		return r, true
	}
	if end < start {
		end = start
	}
	for l := start; l <= end && l-start < 1000; l++ {
		if r, ok := s.lines[l][id]; ok {
			return r, true
		}
	}
	return "", false
}

// AnnotationReason returns the reason an object's annotations give for
// suppressing check id, if they do.
func AnnotationReason(annotations map[string]string, id string) (string, bool) {
	for k, v := range annotations {
		if name, ok := strings.CutPrefix(k, AnnotationPrefix); ok && strings.EqualFold(name, id) {
			if v == "" {
				v = "suppressed by annotation"
			}
			return v, true
		}
	}
	return "", false
}

// Apply moves the findings s suppresses from kept to suppressed, with the
// reason set.
func (s Suppressions) Apply(findings []Finding) (kept, suppressed []Finding) {
	if s.Empty() {
		return findings, nil
	}
	for _, f := range findings {
		if r, ok := s.Reason(f.CheckID, f.StartLine, f.EndLine); ok {
			f.Suppression = r
			suppressed = append(suppressed, f)
			continue
		}
		kept = append(kept, f)
	}
	return kept, suppressed
}
