package pep440

import (
	"flag"
	"os/exec"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/difftest"
)

var update = flag.Bool("update", false, "re-record the reference's answers")

func TestVectors(t *testing.T) {
	// In increasing order, from PEP 440's own examples.
	ordered := []string{
		"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
		"1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7",
		"1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1",
	}
	for i := 0; i+1 < len(ordered); i++ {
		if c, err := Compare(ordered[i], ordered[i+1]); err != nil || c != -1 {
			t.Errorf("Compare(%q, %q) = %d, %v; want -1", ordered[i], ordered[i+1], c, err)
		}
	}
	for _, eq := range [][2]string{{"1.0", "1.0.0"}, {"1.0alpha1", "1.0a1"}, {"1.0-1", "1.0.post1"}, {"V1.0", "1.0"}, {"1!1.0", "1!1.0.0"}, {"1.0.RC1", "1.0rc1"}} {
		if c, err := Compare(eq[0], eq[1]); err != nil || c != 0 {
			t.Errorf("Compare(%q, %q) = %d, %v; want 0", eq[0], eq[1], c, err)
		}
	}
	for _, bad := range []string{"", "1.0-", "latest", "1.0+", "1..0", "2.0.x"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

// seeds are versions from PyPI advisories and installed dist-info.
var seeds = []string{
	"2.31.0", "2.3.0", "2.28.1", "1.26.18", "23.0", "3.2.2", "0.9.0b1", "1.0rc2", "2.0.0a3", "4.1.0.post1",
	"1.0.dev0", "2!1.0", "1.0+local.7", "21.3", "6.0.1", "0.24.0rc1", "3.11.7", "1.4.52", "2023.7.22", "42.0.5",
}

func pairs() [][2]string {
	return difftest.Mutate(seeds, []string{"a1", ".post2", ".dev3", "rc1", "+abc.5", "-1", "b2", "_", ".alpha", "!", "-"}, 4000)
}

func reference(t *testing.T) ([]difftest.Pair, error) {
	if err := exec.Command("/usr/bin/python3", "-c", "import packaging.version").Run(); err != nil {
		return nil, err
	}
	return difftest.Run(t, pairs(), "/usr/bin/python3", "testdata/reference.py")
}

// TestReference checks 4,000 pairs, validity included, against Python's
// packaging.version (Debian python3-packaging), recorded and live.
func TestReference(t *testing.T) {
	if *update {
		ref, err := reference(t)
		if err != nil {
			t.Fatal(err)
		}
		difftest.Save(t, "testdata/reference.tsv.gz", ref)
	}
	difftest.Check(t, "recorded", difftest.Load(t, "testdata/reference.tsv.gz"), Compare)
	ref, err := reference(t)
	difftest.Need(t, err)
	difftest.Check(t, "live", ref, Compare)
}

func FuzzCompare(f *testing.F) {
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, err1 := Parse(a)
		y, err2 := Parse(b)
		if err1 != nil || err2 != nil {
			return
		}
		if x.Compare(y) != -y.Compare(x) || x.Compare(x) != 0 {
			t.Errorf("inconsistent: %q %q", a, b)
		}
	})
}

func BenchmarkCompare(b *testing.B) {
	ps := pairs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := ps[i%len(ps)]
		Compare(p[0], p[1])
	}
}
