package gem

import (
	"flag"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/difftest"
)

var update = flag.Bool("update", false, "re-record the reference's answers in testdata")

func TestCompare(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"1", "1.0", 0},
		{"1.0.0", "1", 0},
		{"01", "1", 0},
		{"1.0.a", "1.a", 0}, // zeros before the first word are dropped
		{"1.a.0", "1.a", 0}, // and at the end
		{"1.a", "1", -1},    // a pre-release sorts before its release
		{"1.a", "1.0.1", -1},
		{"1.0-rc1", "1.0.pre.rc1", 0}, // "-" is ".pre."
		{"1.0.rc1", "1.0.rc.1", 0},    // dots only separate
		{"1.0.a1", "1.0a1", 0},
		{"1.0.rc1", "1.0.beta2", 1},
		{"1.A", "1.a", -1}, // bytes: upper case first
		{"1.a", "1.aa", -1},
		{"1.a.1", "1.a", 1},
		{"2.2.22", "2.2.3", 1},
		{" 1.0 ", "1", 0},
		{"1.99999999999999999999999", "1.100000000000000000000000", -1},
	} {
		got, err := Compare(tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
		if back, _ := Compare(tt.b, tt.a); back != -tt.want {
			t.Errorf("Compare(%q, %q) = %d; want %d", tt.b, tt.a, back, -tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, bad := range []string{
		"", "  ", "a", "1a", ".1", "1.", "1..2", "1-", "1.0-.a", "1_0", "1+2", "1 1", "v1.0", "1.é", "1.0\x00",
		strings.Repeat("1", maxLen+1),
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	for _, ok := range []string{"1", "1.0a", "1-a-b.c-d", "1.0--", "\v1.0\f", "1.0\n", "0.4.0.20"} {
		v, err := Parse(ok)
		if err != nil {
			t.Errorf("Parse(%q): %v", ok, err)
		} else if v.String() != ok {
			t.Errorf("Parse(%q).String() = %q", ok, v.String())
		}
	}
}

// ladder is compared pair by pair: the rules of the package doc.
var ladder = []string{
	"1", "1.0", "1.0.0", "01", "1.a", "1.0.a", "1.A", "1.b", "1.a.0", "1.a.1", "1.0.1", "1-a", "1-1", "1.pre", "1.pre.1",
	"1.0.pre", "1.0.0.rc1", "1.0.rc1", "1.0.rc.1", "1.0.RC1", "1.0.0.1", "0", "0.0", "0.a", "a", "1a", "1.0a", "1.0a1",
	"1.0.a1", " 1.0 ", "\v1\f", "1..0", "1.", ".1", "1-", "1--", "1.0-", "1.0-.a", "1-a.b-c", "1.0.0-beta.2", "2", "10",
	"1.99999999999999999999999", "1.100000000000000000000000", "1.000000000000000000001", "1.0.0.0.0.0.1", "1 1",
	"1_0", "1+2", "٣", "1.é", "1.Z", "1.z", "1.zz", "1.aa", "1.a.a", "1.0.0.a.0.1", "1.0-0", "1-0.a",
}

var suffixes = []string{
	".pre", ".pre1", ".rc1", "-rc1", "-rc.1", ".rc.1", ".a", ".A", ".b2", ".beta.2", ".alpha", ".0", ".0.0", "-1", "-0",
	"a", "A", "1", "0", "..", ".", "-", "--", " ", "\v", "_1", "+b", ".00000000000000000000001", ".12345678901234567890",
	"-x86_64-linux", "-java", ".z",
}

// mutate edits a version the ways that matter to RubyGems' ordering.
func mutate(rng *rand.Rand, v string) string {
	switch rng.IntN(9) {
	case 0: // change a digit
		if i := strings.LastIndexAny(v, "0123456789"); i >= 0 {
			return v[:i] + string(rune('0'+rng.IntN(10))) + v[i+1:]
		}
	case 1, 2:
		return v + suffixes[rng.IntN(len(suffixes))]
	case 3: // swap a separator
		seps := []string{".", "-", "", ".."}
		if i := strings.IndexAny(v, ".-"); i >= 0 {
			return v[:i] + seps[rng.IntN(len(seps))] + v[i+1:]
		}
	case 4: // change case
		if rng.IntN(2) == 0 {
			return strings.ToUpper(v)
		}
		return strings.ToLower(v)
	case 5: // cut
		if len(v) > 1 {
			return v[:1+rng.IntN(len(v)-1)]
		}
	case 6: // leading zeros
		if i := strings.IndexAny(v, "0123456789"); i >= 0 {
			return v[:i] + strings.Repeat("0", 1+rng.IntN(4)) + v[i:]
		}
	case 7: // a pre-release word after the first number
		ws := []string{".a", ".pre", "-rc1", ".0", ".beta", "a"}
		if i := strings.IndexAny(v, ".-"); i >= 0 {
			return v[:i] + ws[rng.IntN(len(ws))] + v[i:]
		}
	case 8:
		return " " + v
	}
	return v
}

func blank(s string) bool { return strings.Trim(s, " \t\n\v\f\r") == "" }

// pairs are the differential test's input: every two versions of ladder,
// then seeds against seeds and against edited copies of themselves. Blank
// versions are left out: Parse refuses them on purpose (see Parse).
func pairs(t testing.TB) [][2]string {
	var out [][2]string
	for _, a := range ladder {
		for _, b := range ladder {
			out = append(out, [2]string{a, b})
		}
	}
	seeds := difftest.ReadLines(t, "testdata/seeds.txt")
	rng := rand.New(rand.NewPCG(1, 2))
	for len(out) < 7000 {
		a := seeds[rng.IntN(len(seeds))]
		var b string
		switch rng.IntN(3) {
		case 0:
			b = seeds[rng.IntN(len(seeds))]
		case 1:
			b = mutate(rng, a)
		default:
			a = mutate(rng, a)
			b = mutate(rng, mutate(rng, a))
		}
		if !blank(a) && !blank(b) {
			out = append(out, [2]string{a, b})
		}
	}
	return out
}

// reference runs testdata/reference.rb, Gem::Version on every pair, in
// one Ruby process.
func reference(t *testing.T) ([]difftest.Pair, error) {
	ruby, err := exec.LookPath("ruby")
	if err != nil {
		return nil, err
	}
	return difftest.Run(t, pairs(t), ruby, "testdata/reference.rb")
}

// TestReference checks the recorded answers of RubyGems' Gem::Version,
// and its live answers when ruby is installed.
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
	for i, s := range ladder {
		f.Add(s, ladder[(i+7)%len(ladder)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, err1 := Parse(a)
		y, err2 := Parse(b)
		if err1 != nil || err2 != nil {
			return
		}
		if c := x.Compare(x); c != 0 {
			t.Fatalf("Compare(%q, itself) = %d", a, c)
		}
		if c, d := x.Compare(y), y.Compare(x); c != -d {
			t.Fatalf("Compare(%q, %q) = %d but reversed %d", a, b, c, d)
		}
	})
}

// BenchmarkCompare parses and compares realistic versions.
func BenchmarkCompare(b *testing.B) {
	var seeds []string
	for _, s := range difftest.ReadLines(b, "testdata/seeds.txt") {
		if _, err := Parse(s); err == nil {
			seeds = append(seeds, s)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Compare(seeds[i%len(seeds)], seeds[(i+1)%len(seeds)]); err != nil {
			b.Fatal(err)
		}
	}
}
