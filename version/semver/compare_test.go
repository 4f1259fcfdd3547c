package semver

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
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
		// semver.org §11.
		{"1.0.0", "2.0.0", -1},
		{"2.0.0", "2.1.0", -1},
		{"2.1.0", "2.1.1", -1},
		{"1.0.0-alpha", "1.0.0", -1},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{"1.0.0-alpha.beta", "1.0.0-beta", -1},
		{"1.0.0-beta", "1.0.0-beta.2", -1},
		{"1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"1.0.0-beta.11", "1.0.0-rc.1", -1},
		{"1.0.0-rc.1", "1.0.0", -1},
		// Build metadata is ignored; "v" is accepted.
		{"1.0.0+a", "1.0.0+b", 0},
		{"v1.2.3", "1.2.3", 0},
		{"v2.0.0+incompatible", "v2.0.0", 0},
		{"v2.0.0+incompatible", "v1.9.9", 1},
		// Text compares as ASCII: upper case before lower case.
		{"1.0.0-Beta", "1.0.0-alpha", -1},
		{"1.0.0-a-b", "1.0.0-a", 1},
		{"1.0.0-1a", "1.0.0-2", 1}, // "1a" is text, text after numbers
		// Go pseudo-versions sort between their neighbours.
		{"v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-000000000000", -1},
		{"v0.0.0-20191109021931-daa7c04131f5", "v0.0.0", -1},
		{"v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3", 1},
		{"v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-pre", -1},
		{"v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", -1},
		{"v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre", 1},
		{"v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre.1", -1},
		// Long numbers compare exactly. Node says 0 for the last two
		// (it compares pre-release numbers as doubles); see the package doc.
		{"9007199254740991.0.0", "9007199254740990.0.0", 1},
		{"1.0.0-9007199254740993", "1.0.0-9007199254740992", 1},
		{"1.0.0-99999999999999999999999", "1.0.0-99999999999999999999998", 1},
	} {
		got, err := Compare(tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
		if got, _ := Compare(tt.b, tt.a); got != -tt.want {
			t.Errorf("Compare(%q, %q) = %d; want %d", tt.b, tt.a, got, -tt.want)
		}
	}
	for _, bad := range []string{
		"", "v", "1", "1.2", "1.2.3.4", "=1.2.3", " 1.2.3", "1.2.3 ", "V1.2.3", "vv1.2.3",
		"01.2.3", "1.02.3", "1.2.03", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3-a..b", "1.2.3-a_b",
		"1.2.3+a+b", "-1.2.3", "1.2.3-é", "9007199254740992.0.0", "1.2.3" + strings.Repeat("0", 300),
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestNuGet(t *testing.T) {
	// NuGet documentation, "Package versioning": highest first.
	order := []string{"1.0.1", "1.0.1-zzz", "1.0.1-rc.10", "1.0.1-rc.2", "1.0.1-open",
		"1.0.1-beta", "1.0.1-alpha2", "1.0.1-alpha10", "1.0.1-aaa"}
	for i := 1; i < len(order); i++ {
		if c, err := CompareNuGet(order[i-1], order[i]); c != 1 || err != nil {
			t.Errorf("CompareNuGet(%q, %q) = %d, %v; want 1", order[i-1], order[i], c, err)
		}
	}
	for _, tt := range []struct {
		a, b string
		want int
	}{
		// "Normalized version numbers" in the same documentation.
		{"1.00", "1.0", 0},
		{"1.01.1", "1.1.1", 0},
		{"1.00.0.1", "1.0.0.1", 0},
		{"1.0.0.0", "1.0.0", 0},
		{"1.0.01.0", "1.0.1", 0},
		{"1.0.7+r3456", "1.0.7", 0},
		{"1", "1.0.0.0", 0},
		{" 1.2.3 ", "1.2.3", 0},
		{"1.0.0.1", "1.0.0", 1},
		{"1.0.0.10", "1.0.0.9", 1},
		{"1.0.0.1-beta", "1.0.0.1", -1},
		{"1.0.0.1-beta", "1.0.0", 1},
		{"1.0.0-RC", "1.0.0-rc", 0},
		{"1.0.0-Beta", "1.0.0-alpha", 1},
		{"1.0.0-rc.1", "1.0.0-RC.2", -1},
		// A label is numeric only when it fits an int32.
		{"1.0.0-5", "1.0.0-2147483648", -1},
		{"1.0.0-2147483647", "1.0.0-2147483646", 1},
		{"1.0.0-10000000000", "1.0.0-9999999999", -1},
		{"1.0.0-2147483648", "1.0.0-a", -1},
	} {
		got, err := CompareNuGet(tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("CompareNuGet(%q, %q) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
		if got, _ := CompareNuGet(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareNuGet(%q, %q) = %d; want %d", tt.b, tt.a, got, -tt.want)
		}
	}
	for _, bad := range []string{"", "v1.0.0", "1.2.3.4.5", "1.-1", "a", "1.0.0-01", "1.0.0-",
		"2147483648.0", "1..2", "1.0.0-a_b", "1.0.0+"} {
		if _, err := ParseNuGet(bad); err == nil {
			t.Errorf("ParseNuGet(%q) accepted", bad)
		}
	}
	if v, _ := ParseNuGet("1.0.0.1-RC"); v.String() != "1.0.0.1-RC" {
		t.Errorf("String() = %q", v.String())
	}
}

func seeds(t testing.TB) []string {
	f, err := os.Open("testdata/seeds.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// edges are hand-made strings at the borders of validity and of the
// comparison rules.
var edges = []string{
	"", "v", "1.2", "1.2.3.4", "=1.2.3", " 1.2.3", "1.2.3 ", "V1.2.3", "vv1.2.3", "v1.2.3",
	"01.2.3", "1.02.3", "1.2.03", "1.2.3-01", "1.2.3-0a", "1.2.3-00a", "1.2.3-", "1.2.3+",
	"1.2.3-a..b", "1.2.3-a_b", "1.2.3+a+b", "1.2.3-a+b-c.01", "1.2.3-é", "-1.2.3",
	"1.2.3", "1.2.3-0", "1.2.3-1", "1.2.3-a", "1.2.3-A", "1.2.3--", "1.2.3-a.1", "1.2.3-a.a",
	"1.2.3-a.1.1", "1.2.3-rc.1+build.01", "1.2.3+build", "1.2.3-1.2.3",
	"9007199254740991.0.0", "9007199254740992.0.0", "0.9007199254740991.1", "0.0.99999999999999999999",
	"1.2.3-9007199254740991", "1.2.3-9007199254740992", "1.2.3-99999999999999999999",
	"1.2.3-a.99999999999999999999999999", "1.2.3-a.100000000000000000000000000",
	"1.2.3-" + strings.Repeat("x", 250), "1.2.3-" + strings.Repeat("x", 251),
	"1.2.3-" + strings.Repeat("9", 249), "1.2.3-" + strings.Repeat("a.", 124) + "b",
}

// pairs makes the differential test's pairs: real versions mutated
// blindly and by vary, each edge against the valid edges, and edges
// against seeds. It leaves out the pairs node's float comparison gets
// wrong (see nodeTie) and returns their number.
func pairs(t testing.TB) ([][2]string, int) {
	ss := seeds(t)
	all := difftest.Mutate(ss, []string{"-rc.1", "-0", "+build.5", "-alpha", "-beta.11", ".0", "-", "+", "-x.7.z.92", "0", "-01", "-Alpha", "+incompatible", "-a-b"}, 2000)
	for _, a := range edges {
		for _, b := range edges[24:] {
			all = append(all, [2]string{a, b})
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for range 3000 {
		a := ss[rng.IntN(len(ss))]
		switch rng.IntN(3) {
		case 0:
			all = append(all, [2]string{a, vary(rng, a)})
		case 1:
			b := vary(rng, a)
			all = append(all, [2]string{b, vary(rng, b)})
		default:
			all = append(all, [2]string{vary(rng, a), vary(rng, ss[rng.IntN(len(ss))])})
		}
	}
	for range 500 {
		all = append(all, [2]string{edges[rng.IntN(len(edges))], ss[rng.IntN(len(ss))]})
	}
	var out [][2]string
	for _, p := range all {
		if !nodeTie(p[0], p[1]) {
			out = append(out, p)
		}
	}
	return out, len(all) - len(out)
}

// idents are pre-release identifiers that vary uses.
var idents = []string{"alpha", "beta", "rc", "Alpha", "RC", "0", "1", "2", "10", "11", "a1", "1a",
	"x-y", "-", "20230101", "9007199254740991", "9007199254740993", "123456789012345678901234567890"}

// vary makes a version of the same shape as s, changing one part: a
// number, the pre-release identifiers, the build metadata or the "v".
func vary(rng *rand.Rand, s string) string {
	v := ""
	if strings.HasPrefix(s, "v") {
		v, s = "v", s[1:]
	}
	s, build, _ := strings.Cut(s, "+")
	s, pre, _ := strings.Cut(s, "-")
	nums := strings.Split(s, ".")
	var ids []string
	if pre != "" {
		ids = strings.Split(pre, ".")
	}
	switch rng.IntN(8) {
	case 0:
		i := rng.IntN(len(nums))
		nums[i] = strconv.Itoa(rng.IntN(12))
	case 1:
		nums[rng.IntN(len(nums))] = strconv.FormatUint(rng.Uint64()>>rng.IntN(64), 10)
	case 2:
		ids = append(ids, idents[rng.IntN(len(idents))])
	case 3:
		if len(ids) > 0 {
			ids = ids[:len(ids)-1]
		}
	case 4:
		if len(ids) > 0 {
			ids[rng.IntN(len(ids))] = idents[rng.IntN(len(idents))]
		} else {
			ids = []string{idents[rng.IntN(len(idents))]}
		}
	case 5:
		build = []string{"", "build.5", "001", "exp.sha.5114f85", "incompatible"}[rng.IntN(5)]
	case 6:
		v = []string{"", "v"}[rng.IntN(2)]
	case 7:
		if len(ids) > 0 {
			i := rng.IntN(len(ids))
			ids[i] = strings.ToUpper(ids[i])
		}
	}
	out := v + strings.Join(nums, ".")
	if len(ids) > 0 {
		out += "-" + strings.Join(ids, ".")
	}
	if build != "" {
		out += "+" + build
	}
	return out
}

// nodeTie reports whether a and b differ first at two numeric pre-release
// identifiers that are equal as float64, which node calls equal.
func nodeTie(a, b string) bool {
	va, err1 := Parse(a)
	vb, err2 := Parse(b)
	if err1 != nil || err2 != nil || va.Compare(vb) == 0 || va.pre == "" || vb.pre == "" {
		return false
	}
	x, y := strings.Split(va.pre, "."), strings.Split(vb.pre, ".")
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			fx, e1 := strconv.ParseFloat(x[i], 64)
			fy, e2 := strconv.ParseFloat(y[i], 64)
			return e1 == nil && e2 == nil && digits(x[i]) && digits(y[i]) && fx == fy
		}
	}
	return false
}

func reference(t *testing.T) ([]difftest.Pair, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return nil, err
	}
	dir := os.Getenv("SEMVER_MODULE")
	if dir == "" {
		dir = "/usr/share/nodejs/semver"
	}
	if _, err := os.Stat(dir + "/functions/compare.js"); err != nil {
		return nil, fmt.Errorf("node-semver: %w", err)
	}
	ps, ties := pairs(t)
	t.Logf("%d pairs, %d left out where node compares numbers as doubles", len(ps), ties)
	return difftest.Run(t, ps, "node", "testdata/reference.js")
}

// TestReference checks several thousand pairs against node's semver (the
// package npm uses), as recorded in testdata and, when Debian's
// node-semver is installed, live.
func TestReference(t *testing.T) {
	if *update {
		ref, err := reference(t)
		if err != nil {
			t.Fatal(err)
		}
		difftest.Save(t, "testdata/reference.tsv.gz", ref)
	}
	recorded := difftest.Load(t, "testdata/reference.tsv.gz")
	if len(recorded) < 3000 {
		t.Errorf("only %d recorded pairs", len(recorded))
	}
	difftest.Check(t, "recorded", recorded, Compare)
	ref, err := reference(t)
	difftest.Need(t, err)
	difftest.Check(t, "live", ref, Compare)
}

func FuzzCompare(f *testing.F) {
	for _, s := range []string{"1.0.0-alpha.1", "v1.2.4-0.20191109021931-daa7c04131f5", "1.0.0.1-RC", "2.0.0+incompatible"} {
		f.Add(s, "1.0.0-alpha.beta", "1.0.0")
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, parse := range []func(string) (Version, error){Parse, ParseNuGet} {
			x, err1 := parse(a)
			y, err2 := parse(b)
			z, err3 := parse(c)
			if err1 != nil || err2 != nil || err3 != nil {
				continue
			}
			if x.String() != a {
				t.Errorf("String() = %q, parsed %q", x.String(), a)
			}
			if x.Compare(y) != -y.Compare(x) {
				t.Errorf("not antisymmetric: %q %q", a, b)
			}
			if x.Compare(x) != 0 {
				t.Errorf("%q != itself", a)
			}
			if x.Compare(y) == 0 && x.Compare(z) != y.Compare(z) {
				t.Errorf("%q == %q but they compare differently with %q", a, b, c)
			}
			if x.Compare(y) < 0 && y.Compare(z) < 0 && x.Compare(z) >= 0 {
				t.Errorf("not transitive: %q < %q < %q", a, b, c)
			}
		}
	})
}

func BenchmarkCompare(b *testing.B) {
	ss := seeds(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compare(ss[i%len(ss)], ss[(i*7+3)%len(ss)])
	}
}
