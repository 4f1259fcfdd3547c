package misconfig

import (
	"slices"
	"testing"
)

// TestCatalogCopies checks that neither a catalog nor a finding shares
// memory with the check variables it was made from.
func TestCatalogCopies(t *testing.T) {
	declared := Check{ID: "EX-001", Title: "t", References: []string{"a", "b"}}
	want := slices.Clone(declared.References)

	cs := Catalog(declared)
	cs[0].Title = "changed"
	cs[0].References[0] = "changed"
	f := declared.At("f", 1, Resource{}, "m")
	f.References[1] = "changed"

	if declared.Title != "t" || !slices.Equal(declared.References, want) {
		t.Errorf("check changed through its catalog or finding: %+v", declared)
	}
	if f.CheckID != declared.ID || f.References[0] != "a" {
		t.Errorf("finding %+v", f)
	}
	if again := Catalog(declared); !slices.Equal(again[0].References, want) {
		t.Errorf("catalog %+v", again)
	}
}
