package python

import "strings"

// classifierSPDX maps the last segment of common "License ::" trove
// classifiers to SPDX identifiers. Only classifiers that name one license
// version are here; "BSD License" or "GNU General Public License (GPL)"
// could be several and are kept as written.
//
// "Apache Software License" is the exception: it names no version, but the
// only other Apache license, 1.1, predates Python packaging's metadata and
// is not in use on PyPI, so 2.0 is what the classifier means in practice.
var classifierSPDX = map[string]string{
	"MIT License":                                             "MIT",
	"MIT No Attribution License (MIT-0)":                      "MIT-0",
	"Apache Software License":                                 "Apache-2.0",
	"ISC License (ISCL)":                                      "ISC",
	"Python Software Foundation License":                      "PSF-2.0",
	"Mozilla Public License 1.1 (MPL 1.1)":                    "MPL-1.1",
	"Mozilla Public License 2.0 (MPL 2.0)":                    "MPL-2.0",
	"GNU General Public License v2 (GPLv2)":                   "GPL-2.0-only",
	"GNU General Public License v2 or later (GPLv2+)":         "GPL-2.0-or-later",
	"GNU General Public License v3 (GPLv3)":                   "GPL-3.0-only",
	"GNU General Public License v3 or later (GPLv3+)":         "GPL-3.0-or-later",
	"GNU Lesser General Public License v2 (LGPLv2)":           "LGPL-2.0-only",
	"GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
	"GNU Lesser General Public License v3 (LGPLv3)":           "LGPL-3.0-only",
	"GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
	"GNU Affero General Public License v3":                    "AGPL-3.0-only",
	"GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
	"Eclipse Public License 1.0 (EPL-1.0)":                    "EPL-1.0",
	"Eclipse Public License 2.0 (EPL-2.0)":                    "EPL-2.0",
	"European Union Public Licence 1.2 (EUPL 1.2)":            "EUPL-1.2",
	"Boost Software License 1.0 (BSL-1.0)":                    "BSL-1.0",
	"The Unlicense (Unlicense)":                               "Unlicense",
	"zlib/libpng License":                                     "Zlib",
	"Universal Permissive License (UPL)":                      "UPL-1.0",
	"Historical Permission Notice and Disclaimer (HPND)":      "HPND",
	"PostgreSQL License":                                      "PostgreSQL",
	"CC0 1.0 Universal (CC0 1.0) Public Domain Dedication":    "CC0-1.0",
}

// classifierLicense returns the license a "License :: ..." classifier
// names: an SPDX identifier where the table knows it, else the classifier's
// last segment as written. The bare "License :: OSI Approved" names none.
func classifierLicense(c string) string {
	rest, ok := strings.CutPrefix(c, "License ::")
	if !ok {
		return ""
	}
	last := rest
	if i := strings.LastIndex(rest, "::"); i >= 0 {
		last = rest[i+2:]
	}
	last = strings.TrimSpace(last)
	if last == "" || last == "OSI Approved" {
		return ""
	}
	if id, ok := classifierSPDX[last]; ok {
		return id
	}
	return last
}
