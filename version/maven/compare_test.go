package maven

import (
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark/internal/difftest"
)

var update = flag.Bool("update", false, "re-record the reference's answers in testdata")

func TestCompare(t *testing.T) {
	// In increasing order, as Maven's documentation lists them.
	ordered := []string{"1-alpha", "1-alpha2", "1-beta", "1-milestone", "1-rc", "1-snapshot", "1", "1-sp", "1-abc", "1-xyz", "1.1"}
	for i := 0; i+1 < len(ordered); i++ {
		if c, err := Compare(ordered[i], ordered[i+1]); err != nil || c != -1 {
			t.Errorf("Compare(%q, %q) = %d, %v; want -1", ordered[i], ordered[i+1], c, err)
		}
	}
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"1", "1.0", 0},
		{"1", "1.0.0", 0},
		{"1-ga", "1", 0},
		{"1-final", "1.0", 0},
		{"1.0-RELEASE", "1", 0},
		{"1.0-cr1", "1.0-rc1", 0},
		{"1a1", "1-alpha-1", 0},
		{"2.0-beta9", "2.0-b9", 0},
		{"1.rc1", "1-rc1", 0}, // a word after "." counts as after "-"
		{"1.2.fin", "1.2-fin", 0},
		{"1.0-1", "1-1", 0},  // zeros before a sub-list are dropped
		{"1..1", "1.0.1", 0}, // an empty item is 0
		{"1-1", "1.1", -1},   // a sub-list sorts below a number
		{"1-1", "1-sp", 1},   // and above a word
		{"2.0-beta8", "2.0-beta9", -1},
		{"2.0-beta9", "2.0", -1},
		{"2.14.1", "2.15.0", -1},
		{"9.4.48.v20220622", "9.4.48.v20220623", -1},
		{"1.12345678901234567890", "1.12345678901234567891", -1},
		{"1.0000000000.1", "1.0.1", 1}, // ten zeros make a Java long, above any int
		{"1.٠١", "1.1", 0},             // Arabic-Indic digits
		{"1-𝟏", "1-a", 1},              // a digit above U+FFFF is a letter
		{"1-\uE000", "1-😀", 1},         // UTF-16 order
		{"1-İ", "1-i", 1},              // İ lowers to i and a combining dot
		{"1.K", "1.k", 0},              // Kelvin sign
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
	for _, bad := range []string{"", "1.0\xff", strings.Repeat("1", maxLen+1)} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	for _, ok := range []string{"1.0", "-", ".", "x", "1-1.foo-bar1baz-.1", strings.Repeat("a1", maxLen/2)} {
		v, err := Parse(ok)
		if err != nil {
			t.Errorf("Parse(%q): %v", ok, err)
		} else if v.String() != ok {
			t.Errorf("Parse(%q).String() = %q", ok, v.String())
		}
	}
	if c := (Version{}).Compare(Version{}); c != 0 {
		t.Errorf("zero Versions compare %d", c)
	}
}

// ladder is compared pair by pair: the rules of the package doc, one or
// two versions each.
var ladder = []string{
	"1", "1.0", "1-0", "1.0.0", "1-alpha", "1-a1", "1a1", "1.a1", "1-alpha1", "1-beta", "1-b2", "1b", "1-milestone",
	"1-m1", "1-rc", "1-cr", "1.rc1", "1-snapshot", "1-SNAPSHOT", "1-ga", "1-final", "1-release", "1-sp", "1-sp1",
	"1-abc", "1-xyz", "1-1", "1.1", "1.0.1", "1-0.1", "1.0-1", "1..1", "1-", "1.", "-1", "1--1", "1.0000000000.1",
	"1.000000000.1", "1.٠١", "1.٠٠٠٠٠٠٠٠٠١", "1-K", "1-k", "1-K", "1-İ", "1-i", "1-é", "1-\uE000", "1-😀", "1-𝟏",
	"1.123456789", "1.1234567890", "1.1234567890123456789", "1.99999999999999999999999", "1-jre", "1.jre", "1jre",
	"1.2.fin", "1.2-fin", "1.0-ga-1", "1-1-ga", "1.0.0.X1", "1.0.0-X2", "0", ".", "a", "1.0.a", "1.0-a",
}

var suffixes = []string{
	"-SNAPSHOT", ".Final", ".RELEASE", "-RC2", "-rc-1", ".CR1", "-beta", "-beta-3", "-b2", "a1", "-alpha", ".M1", "-m2",
	"-milestone-1", "-sp", "-sp2", "-ga", "-final", "-release", "-jre", "-android", "-xyz", "-1", ".0", ".0.0", "-0",
	"-", ".", "..1", "-.1", ".v20220622", "-20220303.123456-1", "-incubating", "1", "0", "a", "b", "m", "x1",
	".00000000001", ".1234567890", ".12345678901234567890", "-١", "-é", "-Z",
}

// mutate edits a version the ways that matter to Maven's ordering.
func mutate(rng *rand.Rand, v string) string {
	switch rng.IntN(10) {
	case 0: // change a digit
		if i := strings.LastIndexAny(v, "0123456789"); i >= 0 {
			return v[:i] + string(rune('0'+rng.IntN(10))) + v[i+1:]
		}
	case 1, 2:
		return v + suffixes[rng.IntN(len(suffixes))]
	case 3: // swap a separator
		seps := []string{".", "-", ""}
		if i := strings.IndexAny(v, ".-"); i >= 0 {
			return v[:i] + seps[rng.IntN(3)] + v[i+1:]
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
			return v[:i] + strings.Repeat("0", 1+rng.IntN(12)) + v[i:]
		}
	case 7: // insert a qualifier after the first number
		qs := []string{"-alpha", "-RC1", ".Final", "-sp", "a", "-foo", "-0", "."}
		if i := strings.IndexAny(v, ".-"); i >= 0 {
			return v[:i] + qs[rng.IntN(len(qs))] + v[i:]
		}
	case 8:
		return v + "." + string(rune('0'+rng.IntN(10)))
	case 9: // drop a character
		if len(v) > 1 {
			i := rng.IntN(len(v))
			return v[:i] + v[i+1:]
		}
	}
	return v
}

// pairs are the differential test's input: every two versions of ladder,
// then seeds against seeds and against edited copies of themselves.
func pairs(t testing.TB) [][2]string {
	var out [][2]string
	for _, a := range ladder {
		for _, b := range ladder {
			out = append(out, [2]string{a, b})
		}
	}
	seeds := difftest.ReadLines(t, "testdata/seeds.txt")
	rng := rand.New(rand.NewPCG(1, 2))
	for len(out) < 8000 {
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
		// The reference reads UTF-8 lines; every other string is fair.
		if a != "" && b != "" && utf8.ValidString(a+b) {
			out = append(out, [2]string{a, b})
		}
	}
	return out
}

// jar finds maven-artifact, which holds Maven's own ComparableVersion.
func jar() (string, error) {
	for _, p := range []string{os.Getenv("MAVEN_ARTIFACT_JAR"), "/usr/share/java/maven-artifact-3.x.jar", "/usr/share/maven/lib/maven-artifact-3.x.jar"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("maven-artifact jar not found (apt-get install libmaven3-core-java)")
}

// reference runs testdata/Reference.java, Maven's ComparableVersion on
// every pair, in one JVM.
func reference(t *testing.T) ([]difftest.Pair, error) {
	j, err := jar()
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("java"); err != nil {
		return nil, err
	}
	return difftest.Run(t, pairs(t), "java", "-Dfile.encoding=UTF-8", "-cp", j, "testdata/Reference.java")
}

// TestReference checks the recorded answers of Maven's ComparableVersion,
// and its live answers when Java and maven-artifact are installed.
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
	seeds := difftest.ReadLines(b, "testdata/seeds.txt")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Compare(seeds[i%len(seeds)], seeds[(i+1)%len(seeds)]); err != nil {
			b.Fatal(err)
		}
	}
}
