package composer

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/difftest"
)

var update = flag.Bool("update", false, "re-record the reference's answers in testdata")

func TestNormalize(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"1.0", "1.0.0.0"},
		{"v1.2.3", "1.2.3.0"},
		{" 1.2.3.4 ", "1.2.3.4"},
		{"1.0-beta.1.2", "1.0.0.0-beta1.2"},
		{"1.0b2", "1.0.0.0-beta2"},
		{"1.0-rc1", "1.0.0.0-RC1"},
		{"1.0-pl2", "1.0.0.0-patch2"},
		{"1.0-stable-dev", "1.0.0.0"}, // "stable" ends it
		{"1.0-Stable1-dev", "1.0.0.0-stable1-dev"},
		{"1.0-beta2-dev", "1.0.0.0-beta2-dev"},
		{"1-dev", "1.0.0.0-dev"},
		{"1.0@dev", "1.0.0.0"},
		{"1.0 as 2.0", "1.0.0.0"},
		{"1.2+3+4", "1.2.0.0"},
		{"123456", "123456"}, // too long a major: a date
		{"123456.1", "123456.1"},
		{"2023-01-31", "2023.01.31"},
		{"2023-01-31-1", "2023.01.31.1"},
		{"1.x-dev", "1.9999999.9999999.9999999-dev"},
		{"v1.2.*-dev", "1.2.9999999.9999999-dev"},
		{"master", "dev-master"},
		{"DEV-Feature Bar", "dev-Feature Bar"},
		{"foo\n1.x-dev", "1.9999999.9999999.9999999-dev"}, // "." stops at a newline
		{"1.0\n@dev", "1.0.0.0"},                          // "$" matches before a final newline
	} {
		v, err := Parse(tt.in)
		if err != nil || v.norm != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, v.norm, err, tt.want)
		} else if v.String() != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, v.String())
		}
	}
	for _, bad := range []string{
		"", "a", "1.0.0.0.0", "1234567.1", "Master", "foo 1.x-dev", "1.2-x-dev", "1.0-gamma", "1.0@foo",
		"2023-1-31", "1.0-beta-", strings.Repeat("1", maxLen+1),
	} {
		if v, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", bad, v.norm)
		}
	}
}

func TestCompare(t *testing.T) {
	// In increasing order.
	ordered := []string{
		"1.0-dev", "1.0-alpha1", "1.0-alpha2", "1.0-beta", "1.0-beta2", "1.0-RC1", "1.0", "1.0-patch1", "1.0.1-dev",
		"1.0.1", "1.1", "1.x-dev", "2.0",
	}
	for i := 0; i+1 < len(ordered); i++ {
		if c, err := Compare(ordered[i], ordered[i+1]); err != nil || c != -1 {
			t.Errorf("Compare(%q, %q) = %d, %v; want -1", ordered[i], ordered[i+1], c, err)
		}
	}
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"1", "v1.0.0.0", 0},
		{"1.0-a1", "1.0-alpha1", 0},
		{"1.01", "1.1", 0},
		{"1.99999999999999999999", "1.99999999999999999998", 0}, // both above PHP's long
		{"dev-foo", "dev-qux", 0},                               // unknown words are all equal
		{"dev-master", "dev-bar", -1},                           // ... but b is beta
		{"dev-x.", "dev-x.", 0},                                 // PHP: -1 both ways
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

// ladder is compared pair by pair: the rules of the package doc.
var ladder = []string{
	"1", "1.0", "1.0.0", "1.0.0.0", "v1.0", "V1.0", "1.0.0.0.0", "01.0", "1.00", "123456", "12345", "1.0-alpha",
	"1.0a", "1.0-a1", "1.0.a1", "1.0_alpha", "1.0-Alpha", "1.0-ALPHA", "1.0-beta", "1.0-b", "1.0-beta.1.2",
	"1.0-beta1-dev", "1.0-RC", "1.0-rc1", "1.0-Rc1", "1.0-cr1", "1.0-stable", "1.0-Stable", "1.0-STABLE-dev",
	"1.0-stable-dev", "1.0-patch", "1.0-pl", "1.0-p1", "1.0-dev", "1.0.dev", "1.0dev", "1.0-DEV", "1.0-.dev", "1.0-",
	"1.0_", "1.0.", "1.x-dev", "1.X-dev", "1.*-dev", "1.2.x-dev", "v1.2.x-dev", "1.x.2-dev", "1.2-x-dev", "x-dev",
	"dev-master", "dev-Main", "DEV-x", "dev-", "dev-1.0", "dev-x.", "dev-x.y.", "dev-1.", "dev-a#b", "dev-1#2",
	"dev-é", "dev-a\x00b", "master", "Master", "trunk", "default", "1.0@dev", "1.0@DEV", "1.0@foo", "1.0 as 2.0",
	"1.0  as  2.0", "1.0 AS 2.0", "1.0+build", "1.0+", "+1", "1.0+a+b", "2023-01-31", "2023.01.31", "20230131",
	"2023-01-31-1", "2023-01-31-1234", "2023:01:31", "2023-1-31", "2023-01", "202301", "2023013112000000000",
	"2023.01.31.01.01.01.01", "2023.01.31.01.01.01.01.1", "1.99999999999999999999", "1.9223372036854775807",
	"1.9223372036854775808", "1.0.0.0-beta99999999999999999999", " 1.0 ", "\v1.0\x00", "1.0\f",
}

var suffixes = []string{
	"-dev", ".x-dev", ".*-dev", "@dev", "@stable", " as 1.0", "+build.1", "-beta", "-beta.2", "-RC1", "-rc.1", "-patch1",
	"-pl", "-p3", "-stable", "-alpha.1", "a1", "b", ".0", "-0", "-", "_", ".", ":01", "x", "*", "-gamma", ".1.2",
	"00", "-01-31", "dev", "#1",
}

// mutate edits a version the ways that matter to Composer.
func mutate(rng *rand.Rand, v string) string {
	switch rng.IntN(10) {
	case 0: // change a digit
		if i := strings.LastIndexAny(v, "0123456789"); i >= 0 {
			return v[:i] + string(rune('0'+rng.IntN(10))) + v[i+1:]
		}
	case 1, 2:
		return v + suffixes[rng.IntN(len(suffixes))]
	case 3: // swap a separator
		seps := []string{".", "-", "_", "", ":", "+"}
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
	case 6: // more digits
		if i := strings.IndexAny(v, "0123456789"); i >= 0 {
			return v[:i] + strings.Repeat("1", 1+rng.IntN(6)) + v[i:]
		}
	case 7:
		pre := []string{"v", "dev-", " ", "V"}
		return pre[rng.IntN(len(pre))] + v
	case 8:
		return v + "." + fmt.Sprint(rng.IntN(20))
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
	for len(out) < 16000 {
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
		out = append(out, [2]string{a, b})
	}
	return out
}

// reference runs testdata/reference.php, composer/semver and PHP's
// version_compare on every pair, in one PHP process.
func reference(t *testing.T) ([]difftest.Pair, error) {
	php, err := exec.LookPath("php")
	if err != nil {
		return nil, err
	}
	autoload := "/usr/share/php/Composer/Semver/autoload.php"
	if _, err := os.Stat(autoload); err != nil {
		return nil, fmt.Errorf("composer/semver not installed (apt-get install php-composer-semver): %w", err)
	}
	return difftest.Run(t, pairs(t), php, "testdata/reference.php", autoload)
}

// check compares our answers with the reference's. Where PHP answers
// differently depending on the order ("asym X Y"), ours must be one of
// its two answers, or 0 when PHP calls each smaller than the other.
func check(t *testing.T, what string, ref []difftest.Pair) {
	t.Helper()
	var plain []difftest.Pair
	for _, p := range ref {
		var ab, ba int
		if _, err := fmt.Sscanf(p.Want, "asym %d %d", &ab, &ba); err != nil {
			plain = append(plain, p)
			continue
		}
		got, err := Compare(p.A, p.B)
		if err != nil || got != ab && got != -ba && (got != 0 || ab != ba) {
			t.Errorf("%s: Compare(%q, %q) = %d, %v; PHP says %d, and %d reversed", what, p.A, p.B, got, err, ab, ba)
		}
	}
	difftest.Check(t, what, plain, Compare)
}

// TestReference checks the recorded answers of composer/semver and PHP,
// and their live answers when php and php-composer-semver are installed.
func TestReference(t *testing.T) {
	if *update {
		ref, err := reference(t)
		if err != nil {
			t.Fatal(err)
		}
		difftest.Save(t, "testdata/reference.tsv.gz", ref)
	}
	check(t, "recorded", difftest.Load(t, "testdata/reference.tsv.gz"))
	ref, err := reference(t)
	difftest.Need(t, err)
	check(t, "live", ref)
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
