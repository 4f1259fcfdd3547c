package pep440

import (
	"bufio"
	"flag"
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
	// In increasing order: PEP 440's summary example, then packaging's
	// special cases.
	ordered := []string{
		"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
		"1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7",
		"1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1",
	}
	ordered2 := []string{
		"0.dev0", "0a0", "0", "0+0", "0.post0.dev0", "0.post0", "0.0.1", "1.0.dev0", "1.0a0.dev0", "1.0a0",
		"1.0a0.post0.dev0", "1.0a0.post0", "1.0b0", "1.0rc0", "1.0", "1.0+a", "1.0+a.b", "1.0+a.0", "1.0+b",
		"1.0+0", "1.0+0.a", "1.0+1", "1.0+10", "1.0.post0", "1.0.post10", "1.0.0.1", "1.1", "1!0.dev0",
		"1!99999999999999999999999999", "1!100000000000000000000000000", "2!0",
	}
	for _, ord := range [][]string{ordered, ordered2} {
		for i := 0; i+1 < len(ord); i++ {
			if c, err := Compare(ord[i], ord[i+1]); err != nil || c != -1 {
				t.Errorf("Compare(%q, %q) = %d, %v; want -1", ord[i], ord[i+1], c, err)
			}
			if c, _ := Compare(ord[i+1], ord[i]); c != 1 {
				t.Errorf("Compare(%q, %q) = %d; want 1", ord[i+1], ord[i], c)
			}
		}
	}
	for _, eq := range [][2]string{
		{"1.0", "1.0.0"}, {"1", "1.0.0.0"}, {"0", "0!0.0"}, {"1.0alpha1", "1.0a1"}, {"1.0-1", "1.0.post1"},
		{"V1.0", "1.0"}, {"1!1.0", "1!1.0.0"}, {"1.0.RC1", "1.0rc1"}, {"1.0c1", "1.0rc1"}, {"1.0pre1", "1.0rc1"},
		{"1.0-preview_1", "1.0rc1"}, {"1.0-r4", "1.0.post4"}, {"1.0rev", "1.0.post0"}, {"1.0.DEV", "1.0.dev0"},
		{"01.002", "1.2"}, {"1.0a-", "1.0a0"}, {"1.0+ABC.01", "1.0+abc_1"}, {"  1.0\u3000", "1.0"},
		{"1.0-beta-2", "1.0b2"}, {"1.0a1-1", "1.0a1.post1"}, {"1.0+\u212a", "1.0+k"},
	} {
		if c, err := Compare(eq[0], eq[1]); err != nil || c != 0 {
			t.Errorf("Compare(%q, %q) = %d, %v; want 0", eq[0], eq[1], c, err)
		}
	}
	for _, bad := range []string{
		"", "v", "1.0-", "latest", "1.0+", "1..0", "2.0.x", "1.0-1-1", "1!2!3", "!1.0", "1.0.", ".1.0",
		"1.0+a..b", "1.0+_a", "1.0+a_", "1.0 a1", "v 1.0", "1.0a1a", "1.0\u200b", "1.0+ǅ", "١.0",
		"1.0" + strings.Repeat("0", 1100),
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
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

// parts is a version taken apart for vary to change one piece of.
type parts struct {
	prefix, epoch, release, pre, post, dev, local, suffix string
}

func (p parts) String() string {
	s := p.prefix + p.epoch + p.release + p.pre + p.post + p.dev
	if p.local != "" {
		s += "+" + p.local
	}
	return s + p.suffix
}

// pick returns one of xs.
func pick(rng *rand.Rand, xs ...string) string { return xs[rng.IntN(len(xs))] }

// spell writes a word in random case.
func spell(rng *rand.Rand, w string) string {
	switch rng.IntN(4) {
	case 0:
		return strings.ToUpper(w)
	case 1:
		return strings.ToUpper(w[:1]) + w[1:]
	}
	return w
}

func num(rng *rand.Rand) string {
	switch rng.IntN(10) {
	case 0:
		return ""
	case 1:
		return "0" + strconv.Itoa(rng.IntN(10))
	case 2:
		return strconv.FormatUint(rng.Uint64(), 10) + strconv.FormatUint(rng.Uint64(), 10)
	}
	return strconv.Itoa(rng.IntN(12))
}

func sep(rng *rand.Rand) string { return pick(rng, "", "", ".", "-", "_") }

// random makes a version with random parts, most of them valid.
func random(rng *rand.Rand) parts {
	p := parts{release: strconv.Itoa(rng.IntN(4))}
	for range rng.IntN(4) {
		p.release += "." + strconv.Itoa(rng.IntN(3))
	}
	for range 3 {
		p = vary(rng, p)
	}
	return p
}

// vary changes one part of p.
func vary(rng *rand.Rand, p parts) parts {
	switch rng.IntN(11) {
	case 0:
		p.prefix = pick(rng, "", "", "v", "V", " ", "\x1c", "\u3000", "\u00a0v", "vv", "=")
	case 1:
		p.epoch = pick(rng, "", "", "0!", "1!", "01!", "2!", "!", "1!1!") // "!" and "1!1!" invalid
	case 2:
		r := strings.Split(p.release, ".")
		i := rng.IntN(len(r))
		r[i] = num(rng)
		if rng.IntN(4) == 0 {
			r = append(r, pick(rng, "0", "0", "1", "00"))
		}
		p.release = strings.Join(r, ".")
	case 3:
		p.pre = sep(rng) + spell(rng, pick(rng, "a", "b", "c", "rc", "alpha", "beta", "pre", "preview")) + sep(rng) + num(rng)
	case 4:
		if rng.IntN(3) == 0 {
			p.post = "-" + num(rng) // "-" alone is invalid
		} else {
			p.post = sep(rng) + spell(rng, pick(rng, "post", "rev", "r")) + sep(rng) + num(rng)
		}
	case 5:
		p.dev = sep(rng) + spell(rng, "dev") + sep(rng) + num(rng)
	case 6:
		var segs []string
		for range 1 + rng.IntN(3) {
			segs = append(segs, pick(rng, "abc", "ABC", "ubuntu", "1", "01", "2", "10", "deadbeef", "a1", "cpu", "cu118", "", strconv.FormatUint(rng.Uint64(), 10)))
		}
		p.local = segs[0]
		for _, s := range segs[1:] {
			p.local += pick(rng, ".", "-", "_", "..") + s
		}
	case 7:
		p.pre, p.post, p.dev, p.local = "", "", "", ""
	case 8:
		p.suffix = pick(rng, "", "", " ", "\t", "\u2028", ".", "-", "a1a", "+", "\u200b")
	case 9:
		// Python's case-insensitive matching lets these stand for ASCII.
		switch rng.IntN(4) {
		case 0:
			p.post = ".po\u017ft" + num(rng)
		case 1:
			p.pre = "prev\u0131ew" + num(rng)
		case 2:
			p.pre = "prev\u0130ew" + num(rng)
		default:
			p.local = pick(rng, "\u212a", "\u017f1", "\u0130.1", "\u0131", "\u01c5")
		}
	case 10:
		p.pre, p.post = p.post, p.pre // wrong order: invalid
	}
	return p
}

// fromSeed takes a seed apart well enough for vary: the release and the
// rest, kept as the pre part.
func fromSeed(s string) parts {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9') {
		i++
	}
	if i == 0 {
		return parts{release: "0", pre: s}
	}
	return parts{release: s[:i], pre: s[i:]}
}

// pairs makes the differential test's pairs: seeds mutated blindly, seeds
// and random versions against variants of themselves, and random pairs.
func pairs(t testing.TB) [][2]string {
	ss := seeds(t)
	all := difftest.Mutate(ss, []string{"a1", ".post2", ".dev3", "rc1", "+abc.5", "-1", "b2", "_", ".alpha", "!", "-", "+", "c", ".0"}, 1500)
	rng := rand.New(rand.NewPCG(440, 440))
	for range 4500 {
		var p parts
		if rng.IntN(2) == 0 {
			p = fromSeed(ss[rng.IntN(len(ss))])
		} else {
			p = random(rng)
		}
		q := vary(rng, p)
		if rng.IntN(3) == 0 {
			q = vary(rng, q)
		}
		all = append(all, [2]string{p.String(), q.String()})
	}
	for range 500 {
		all = append(all, [2]string{random(rng).String(), random(rng).String()})
	}
	var out [][2]string
	for _, p := range all {
		// Tabs and newlines would break the line format.
		if !strings.ContainsAny(p[0]+p[1], "\t\n") {
			out = append(out, p)
		}
	}
	return out
}

const python = "/usr/bin/python3" // Debian's, which imports python3-packaging

func reference(t *testing.T) ([]difftest.Pair, error) {
	if out, err := exec.Command(python, "-c", "import packaging.version").CombinedOutput(); err != nil {
		return nil, err
	} else if len(out) > 0 {
		t.Log(string(out))
	}
	return difftest.Run(t, pairs(t), python, "testdata/reference.py")
}

// TestReference checks several thousand pairs, validity included, against
// Python's packaging.version (Debian's python3-packaging), as recorded in
// testdata and, when it is installed, live.
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
	for _, s := range []string{"1.0.dev456", "1!2.0rc1.post2.dev3+abc.5", "1.0-1", "v1.0a-", "1.0poſt1", "1.0+ubuntu-1"} {
		f.Add(s, "1.0", "1.0+abc")
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		x, err1 := Parse(a)
		y, err2 := Parse(b)
		z, err3 := Parse(c)
		if err1 != nil || err2 != nil || err3 != nil {
			return
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
