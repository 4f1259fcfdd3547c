package ecosystem_test

import (
	"reflect"
	"testing"

	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/version"
)

// TestVersionFor checks version.For gives each row's comparator, and
// nothing for names outside the table.
func TestVersionFor(t *testing.T) {
	for _, d := range ecosystem.All() {
		c, ok := version.For(d.OSV)
		if !ok || reflect.ValueOf(c).Pointer() != reflect.ValueOf(d.Compare).Pointer() {
			t.Errorf("version.For(%q) disagrees with the table", d.OSV)
		}
	}
	for _, base := range []string{"", "debian", "Debian:12", "no such ecosystem"} {
		if _, ok := version.For(base); ok {
			t.Errorf("version.For(%q) found a comparator", base)
		}
	}
}
