package dpkg

import (
	"flag"
	"os/exec"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/difftest"
)

var update = flag.Bool("update", false, "re-record the reference's answers")

func TestVectors(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "1.0-0", 0},
		{"1.0~rc1", "1.0", -1},
		{"1.0~~", "1.0~", -1},
		{"1.0", "1.0+b1", -1},
		{"1.0a", "1.0+", -1}, // letters before other characters
		{"1:0.1", "2.0", 1},
		{"0:2.0", "2.0", 0},
		{"2.36-9+deb12u3", "2.36-9+deb12u1", 1},
		{"3.0.11-1~deb12u2", "3.0.11-1", -1},
		{"1.2.3-10", "1.2.3-9", 1},
		{"1.00001", "1.1", 0},
		{"1.99999999999999999999999", "1.100000000000000000000000", -1},
	} {
		got, err := Compare(tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "a:1.0", ":1.0", "1.0 1", "1:-1", strings.Repeat("1", 2000)} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

// seeds are versions of real Debian 12 packages (dpkg-query on this
// machine) with the shapes that matter: epochs, tildes, revisions with
// +debNuM, binNMUs, dfsg, ubuntu-style suffixes.
var seeds = []string{
	"2.36-9+deb12u3", "3.0.11-1~deb12u2", "1:2.38.1-5+deb12u3", "1:9.2p1-2+deb12u3", "252.30-1~deb12u2",
	"7.88.1-10+deb12u8", "2.9.14+dfsg-1.3~deb12u1", "1.22.1-9", "12.2.0-14", "1:3.3.2-1",
	"20230311", "2:8.2.3995-1+deb12u2", "6.1.0-28", "1.1.1n-0+deb11u5", "5.2.15-2+b7",
	"0.9.8~rc1-1", "1.0~beta2", "4.13+dfsg1-1", "2.11+dfsg-1+deb12u1", "1.6.2+ds-1",
	"3.11.2-6+deb12u5", "10.0.0~git20230205-1", "1:1.2.13.dfsg-1", "2023c-5+deb12u1", "9.18.28-1~deb12u2",
}

func pairs() [][2]string {
	return difftest.Mutate(seeds, []string{"~rc1", "+b1", "-1", "~", "+deb12u1", "a", ".0", "-0", "+dfsg", "~~"}, 4000)
}

func reference(t *testing.T) ([]difftest.Pair, error) {
	if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
		return nil, err
	}
	return difftest.Run(t, pairs(), "/usr/bin/python3", "testdata/reference.py")
}

// TestReference checks 4,000 pairs against libapt-pkg's comparison, as
// recorded in testdata and, when python3-apt is installed, live.
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

// TestDpkgItself spot-checks pairs with dpkg --compare-versions, one
// process per pair.
func TestDpkgItself(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		difftest.Need(t, err)
	}
	for _, p := range pairs()[:100] {
		got, err := Compare(p[0], p[1])
		if err != nil {
			continue // dpkg's verdict on invalid versions is TestReference's
		}
		want := 0
		for _, op := range []struct {
			op string
			v  int
		}{{"lt", -1}, {"gt", 1}} {
			if exec.Command("dpkg", "--compare-versions", p[0], op.op, p[1]).Run() == nil {
				want = op.v
			}
		}
		if got != want {
			t.Errorf("Compare(%q, %q) = %d, dpkg says %d", p[0], p[1], got, want)
		}
	}
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
		if x.Compare(y) != -y.Compare(x) {
			t.Errorf("not antisymmetric: %q %q", a, b)
		}
		if x.Compare(x) != 0 {
			t.Errorf("%q != itself", a)
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
