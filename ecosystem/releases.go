package ecosystem

import "strings"

// releaseRule names the ecosystems, with release suffix, that hold the
// advisories of base for one OS version; see Descriptor.Releases.
type releaseRule func(base, osVersion string, known func() []string) []string

// byMajor files advisories under the major version: "Debian:12",
// "Rocky Linux:9".
func byMajor(base, v string, _ func() []string) []string {
	if major, _ := versionParts(v); major != "" {
		return []string{base + ":" + major}
	}
	return nil
}

// unversioned distributions are rolling: one ecosystem, no release.
func unversioned(base, _ string, _ func() []string) []string {
	return []string{base}
}

// alpine files advisories per minor release: "Alpine:v3.20".
func alpine(base, v string, _ func() []string) []string {
	if major, minor := versionParts(v); major != "" && minor != "" {
		return []string{base + ":v" + major + "." + minor}
	}
	return nil
}

// ubuntu files advisories under the release and, for some, a support
// suffix: "Ubuntu:22.04:LTS".
func ubuntu(base, v string, known func() []string) []string {
	major, minor := versionParts(v)
	if major == "" || minor == "" {
		return nil
	}
	r := base + ":" + major + "." + minor
	return pick(known(), func(e string) bool { return e == r || strings.HasPrefix(e, r+":") })
}

// redHat's ecosystems name the product stream:
// "Red Hat:enterprise_linux:9::appstream".
func redHat(_, v string, known func() []string) []string {
	major, _ := versionParts(v)
	return pick(known(), func(e string) bool { return strings.Contains(e, ":enterprise_linux:"+major+"::") })
}

// suse names the product and service pack: os-release's "15-SP5" is
// "SUSE:Linux Enterprise Server 15 SP5", "15.5" likewise.
func suse(_, v string, known func() []string) []string {
	sp := strings.ReplaceAll(v, "-", " ")
	return pick(known(), func(e string) bool {
		return strings.HasSuffix(e, " "+sp) || strings.HasSuffix(e, " "+strings.ReplaceAll(sp, ".", " SP"))
	})
}

// leap is openSUSE Leap: "openSUSE:Leap 15.5".
func leap(base, v string, _ func() []string) []string {
	return []string{base + ":Leap " + v}
}

func pick(list []string, keep func(string) bool) []string {
	var out []string
	for _, e := range list {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// versionParts splits an OS version ("12", "3.20.3", "22.04", "9.4") into
// its first two numbers.
func versionParts(v string) (major, minor string) {
	parts := strings.SplitN(v, ".", 3)
	major = parts[0]
	if len(parts) > 1 {
		minor = parts[1]
	}
	return major, minor
}
