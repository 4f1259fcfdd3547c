package license

import "testing"

func TestSPDXID(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"MIT", "MIT", true},
		{"mit", "MIT", true},
		{"Apache-2.0", "Apache-2.0", true},
		{"GPL-2+", "GPL-2.0-or-later", true},
		{"GPL-2", "GPL-2.0-only", true},
		{"LGPL-2.1+", "LGPL-2.1-or-later", true},
		{"GPLv3+", "GPL-3.0-or-later", true},
		{"ASL 2.0", "Apache-2.0", true},
		{"Expat", "MIT", true},
		{" BSD-3-clause ", "BSD-3-Clause", true},
		{"GPL", "", false},
		{"public-domain", "", false},
		{"GPL-2+ or Artistic", "", false},
		{"BSD-4-clause-UC and MIT-like", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := SPDXID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("SPDXID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
