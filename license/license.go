// Package license maps the license names package databases use (Debian
// copyright short names, rpm License tags, apk L fields) to SPDX license
// identifiers, where the mapping is unambiguous.
package license

import "strings"

// spdxIDs are SPDX license list identifiers common in OS packages, keyed by
// lower case. The list is deliberately partial: a name not here is kept as
// written rather than guessed.
var spdxIDs = func() map[string]string {
	m := map[string]string{}
	for _, id := range []string{
		"0BSD", "AFL-2.1", "AFL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1", "Apache-2.0",
		"APSL-2.0", "Artistic-1.0", "Artistic-1.0-Perl", "Artistic-2.0", "BSD-1-Clause", "BSD-2-Clause",
		"BSD-2-Clause-Patent", "BSD-3-Clause", "BSD-4-Clause", "BSD-4-Clause-UC", "BSL-1.0", "bzip2-1.0.6",
		"CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "CDDL-1.1",
		"CPL-1.0", "curl", "EPL-1.0", "EPL-2.0", "EUPL-1.2", "FSFAP", "FSFUL", "FSFULLR", "FTL",
		"GFDL-1.1-only", "GFDL-1.1-or-later", "GFDL-1.2-only", "GFDL-1.2-or-later", "GFDL-1.3-only", "GFDL-1.3-or-later",
		"GPL-1.0-only", "GPL-1.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
		"HPND", "ICU", "IJG", "IPL-1.0", "ISC", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only",
		"LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "Libpng", "libpng-2.0", "libtiff",
		"LPPL-1.3c", "MIT", "MIT-0", "MPL-1.1", "MPL-2.0", "MS-PL", "NCSA", "OFL-1.1", "OLDAP-2.8",
		"OpenSSL", "PHP-3.01", "PostgreSQL", "PSF-2.0", "Python-2.0", "Ruby", "SGI-B-2.0", "Sleepycat",
		"TCL", "Unicode-DFS-2016", "Unlicense", "UPL-1.0", "Vim", "W3C", "WTFPL", "X11", "Zlib", "ZPL-2.1",
	} {
		m[strings.ToLower(id)] = id
	}
	return m
}()

// aliases are names distributions write for SPDX licenses. "+" means "or
// any later version" in Debian's short names and in rpm tags.
var aliases = map[string]string{
	"gpl-1":         "GPL-1.0-only",
	"gpl-1+":        "GPL-1.0-or-later",
	"gpl-2":         "GPL-2.0-only",
	"gpl-2+":        "GPL-2.0-or-later",
	"gpl-2.0":       "GPL-2.0-only",
	"gpl-2.0+":      "GPL-2.0-or-later",
	"gplv2":         "GPL-2.0-only",
	"gplv2+":        "GPL-2.0-or-later",
	"gpl-3":         "GPL-3.0-only",
	"gpl-3+":        "GPL-3.0-or-later",
	"gpl-3.0":       "GPL-3.0-only",
	"gpl-3.0+":      "GPL-3.0-or-later",
	"gplv3":         "GPL-3.0-only",
	"gplv3+":        "GPL-3.0-or-later",
	"lgpl-2":        "LGPL-2.0-only",
	"lgpl-2+":       "LGPL-2.0-or-later",
	"lgpl-2.0":      "LGPL-2.0-only",
	"lgpl-2.0+":     "LGPL-2.0-or-later",
	"lgpl-2.1":      "LGPL-2.1-only",
	"lgpl-2.1+":     "LGPL-2.1-or-later",
	"lgplv2":        "LGPL-2.0-only",
	"lgplv2+":       "LGPL-2.0-or-later",
	"lgplv2.1":      "LGPL-2.1-only",
	"lgplv2.1+":     "LGPL-2.1-or-later",
	"lgpl-3":        "LGPL-3.0-only",
	"lgpl-3+":       "LGPL-3.0-or-later",
	"lgpl-3.0":      "LGPL-3.0-only",
	"lgpl-3.0+":     "LGPL-3.0-or-later",
	"lgplv3":        "LGPL-3.0-only",
	"lgplv3+":       "LGPL-3.0-or-later",
	"agpl-3":        "AGPL-3.0-only",
	"agpl-3+":       "AGPL-3.0-or-later",
	"agplv3":        "AGPL-3.0-only",
	"agplv3+":       "AGPL-3.0-or-later",
	"gfdl-1.2":      "GFDL-1.2-only",
	"gfdl-1.2+":     "GFDL-1.2-or-later",
	"gfdl-1.3":      "GFDL-1.3-only",
	"gfdl-1.3+":     "GFDL-1.3-or-later",
	"apache-2":      "Apache-2.0",
	"asl 2.0":       "Apache-2.0",
	"apache 2.0":    "Apache-2.0",
	"bsd-2-clause":  "BSD-2-Clause",
	"bsd-3-clause":  "BSD-3-Clause",
	"bsd-4-clause":  "BSD-4-Clause",
	"expat":         "MIT",
	"mpl-2":         "MPL-2.0",
	"mplv2.0":       "MPL-2.0",
	"zlib":          "Zlib",
	"psf":           "Python-2.0",
	"public-domain": "",
}

// SPDXID returns the SPDX identifier a license name stands for, and false
// when the name is not one it knows for certain (including compound
// expressions and vague names such as "GPL" or "BSD").
func SPDXID(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if id, ok := spdxIDs[n]; ok {
		return id, true
	}
	if id, ok := aliases[n]; ok && id != "" {
		return id, true
	}
	return "", false
}
