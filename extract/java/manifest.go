package java

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseProperties reads a Java .properties file (pom.properties): "key=value",
// "key: value" or "key value" lines, "#" and "!" comments, backslash line
// continuations and escapes. A later key replaces an earlier one, as in
// java.util.Properties. It never fails; lines it cannot make sense of are
// ignored.
func ParseProperties(data []byte) map[string]string {
	props := map[string]string{}
	lines := splitLines(string(data))
	for i := 0; i < len(lines); i++ {
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// A line ending in an odd number of backslashes continues on the
		// next, whose leading white space is dropped.
		for endsInEscape(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		k, v := splitProperty(line)
		props[unescapeProperty(k)] = unescapeProperty(v)
	}
	return props
}

func endsInEscape(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty splits a logical line at the first unescaped '=', ':' or
// white space, then drops the white space and the one separator around it.
func splitProperty(line string) (key, value string) {
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		if c == '\\' {
			i++
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
	}
	if i >= len(line) {
		return line, ""
	}
	key, rest := line[:i], strings.TrimLeft(line[i:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f' || line[i] == rest[0]) {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return key, rest
}

func unescapeProperty(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 16); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// splitLines splits at "\r\n", "\n" or "\r", the line ends both formats
// allow.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n")
}

// Manifest is the main section of a jar's META-INF/MANIFEST.MF. Attribute
// names are case-insensitive, so keys are stored in lower case; use Get.
type Manifest map[string]string

// Get returns the value of an attribute, or "".
func (m Manifest) Get(name string) string { return m[strings.ToLower(name)] }

// ParseManifest reads the main section of a jar manifest: "Name: value"
// lines, continued on lines that start with one space, up to the first
// blank line. Per-entry sections after it (signed jars list a digest for
// every class there) are not read. It never fails.
func ParseManifest(data []byte) Manifest {
	m := Manifest{}
	var last string
	for _, line := range splitLines(string(data)) {
		switch {
		case line == "":
			if len(m) > 0 {
				return m
			}
		case line[0] == ' ':
			if last != "" {
				m[last] += line[1:]
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				last = ""
				continue
			}
			last = strings.ToLower(strings.TrimSpace(k))
			m[last] = strings.TrimPrefix(v, " ")
		}
	}
	return m
}

// identify names what one archive holds, from the pom.properties files
// found in it (already parsed into coordinates), its manifest and its file
// name.
//
// Maven-built archives have pom.properties, and those are the answer; the
// manifest then only adds its Bundle-License to the entry that describes
// the archive itself. An archive without them is named from its manifest
// and file name. One that has some, none of which is the archive itself
// (a jar that embeds another project's classes, as Debian's guice.jar
// embeds cglib), gets a package of its own from the manifest too, provided
// the manifest gives a version.
func identify(props []coords, mf Manifest, fileName string) []coords {
	main, fromManifest := fromManifest(mf, fileName)
	licenses := bundleLicenses(mf.Get("Bundle-License"))
	if len(props) == 0 {
		if main.artifact == "" || main.version == "" {
			return nil
		}
		main.licenses = licenses
		return []coords{main}
	}
	fileArtifact, _ := splitFileName(fileName)
	self := -1
	for i, p := range props {
		if p.artifact == fileArtifact || p.artifact == main.artifact || (fromManifest && p.version == main.version) {
			self = i
			break
		}
	}
	out := append([]coords(nil), props...)
	switch {
	case self >= 0:
		out[self].licenses = licenses
	case fromManifest && main.artifact != "" && main.version != "":
		main.licenses = licenses
		out = append(out, main)
	case len(out) == 1:
		out[0].licenses = licenses
	}
	return out
}

// fromManifest guesses an archive's coordinates from its manifest and file
// name. fromManifest reports whether the version came from the manifest
// rather than the file name.
//
// The artifact is the file name's, when the file is named
// "<artifact>-<version>.jar" as Maven names them; otherwise the Jenkins
// plugin Short-Name or an identifier-like Implementation-Title; otherwise
// the file name without its extension. The version prefers
// Implementation-Version (Maven's own), then the file name's, then the OSGi
// Bundle-Version (which rewrites "31.1-jre" as "31.1.0.jre") and the
// Specification-Version. The group comes from a Jenkins Group-Id, from a
// Bundle-SymbolicName that spells out "<group>.<artifact>" or ends in the
// artifact, or from Implementation-Vendor-Id, which older Maven versions
// set to the groupId.
func fromManifest(mf Manifest, fileName string) (c coords, fromManifest bool) {
	fileArtifact, fileVersion := splitFileName(fileName)
	switch {
	case fileVersion != "":
		c.artifact = fileArtifact
	case isIdentifier(mf.Get("Short-Name")):
		c.artifact = mf.Get("Short-Name")
	case isIdentifier(mf.Get("Implementation-Title")):
		c.artifact = mf.Get("Implementation-Title")
	default:
		c.artifact = fileArtifact
	}
	candidates := []struct {
		v  string
		mf bool
	}{
		{mf.Get("Implementation-Version"), true},
		{mf.Get("Plugin-Version"), true},
		{fileVersion, false},
		{mf.Get("Bundle-Version"), true},
		{mf.Get("Specification-Version"), true},
	}
	for _, cand := range candidates {
		if v := strings.TrimSpace(cand.v); isIdentifier(v) && !strings.Contains(v, "${") {
			c.version, fromManifest = v, cand.mf
			break
		}
	}
	bsn, _, _ := strings.Cut(mf.Get("Bundle-SymbolicName"), ";")
	bsn = strings.TrimSpace(bsn)
	switch g := strings.TrimSpace(mf.Get("Group-Id")); {
	case isIdentifier(g):
		c.group = g
	case c.artifact != "" && strings.HasSuffix(bsn, "."+c.artifact) && strings.Contains(bsn[:len(bsn)-len(c.artifact)-1], "."):
		c.group = bsn[:len(bsn)-len(c.artifact)-1]
	case c.artifact != "" && strings.HasSuffix(bsn, "."+c.artifact):
		// "org.hamcrest" for artifact hamcrest: a one-word prefix is no
		// group, so the whole name is.
		c.group = bsn
	default:
		// The Apache parent POM sets "org.apache" for every ASF project,
		// which is no project's group.
		if v := strings.TrimSpace(mf.Get("Implementation-Vendor-Id")); isIdentifier(v) && strings.Contains(v, ".") && v != "org.apache" {
			c.group = v
		}
	}
	return c, fromManifest
}

// isIdentifier reports whether s could be a Maven coordinate: non-empty,
// printable, without white space or the characters coordinates and package
// URLs use as separators.
func isIdentifier(s string) bool {
	if s == "" || len(s) > 256 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`:/\@?#"'<>`, r) {
			return false
		}
	}
	return true
}

// splitFileName splits a Maven-style archive name,
// "<artifact>-<version>.<ext>", at the first hyphen followed by a digit:
// "commons-lang3-3.12.0.jar" is commons-lang3 3.12.0, "guava-31.1-jre.jar"
// guava 31.1-jre. A name with no such hyphen is all artifact.
func splitFileName(name string) (artifact, version string) {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	for i := 1; i+1 < len(name); i++ {
		if name[i] == '-' && name[i+1] >= '0' && name[i+1] <= '9' {
			return name[:i], name[i+1:]
		}
	}
	return name, ""
}

// bundleLicenses reads an OSGi Bundle-License header: a comma-separated
// list of licenses (SPDX identifiers or URLs), each optionally followed by
// ";description=...;link=..." attributes. A header whose parts contain
// spaces is a single license name with a comma in it ("Apache License,
// Version 2.0") and is kept whole.
func bundleLicenses(h string) []string {
	h = strings.TrimSpace(h)
	if h == "" || h == "<<EXTERNAL>>" {
		return nil
	}
	var out []string
	for part := range strings.SplitSeq(h, ",") {
		name, _, _ := strings.Cut(part, ";")
		name = strings.Trim(strings.TrimSpace(name), `"`)
		if name == "" || strings.ContainsAny(name, " \t") {
			name, _, _ = strings.Cut(h, ";")
			return []string{strings.TrimSpace(name)}
		}
		out = append(out, name)
	}
	return out
}
