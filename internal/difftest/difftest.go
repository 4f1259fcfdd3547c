// Package difftest checks a version comparator against its reference
// implementation: a small program of the scheme's own ecosystem (python-apt
// for dpkg, node's semver, Python's packaging, ...) that reads pairs of
// versions on stdin, one "a<TAB>b" per line, and prints the order of each
// (-1, 0 or 1, or "invalid").
//
// Each comparator package records the reference's answers in testdata, so
// that the test always runs; when the reference is installed, its live
// answers are checked too (required in CI, where .ci/run installs it).
package difftest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Pair is two versions and the reference's answer.
type Pair struct {
	A, B, Want string
}

// Mutate makes n pairs from seed versions: each seed against others, and
// against edited copies of itself (changed digits, added suffixes and
// separators). The result is the same for the same seeds.
func Mutate(seeds []string, suffixes []string, n int) [][2]string {
	rng := rand.New(rand.NewPCG(42, uint64(len(seeds))))
	mutate := func(s string) string {
		b := []byte(s)
		switch rng.IntN(6) {
		case 0:
			if i := bytes.IndexAny(b, "0123456789"); i >= 0 {
				b[i] = byte('0' + rng.IntN(10))
			}
		case 1:
			if i := bytes.LastIndexAny(b, "0123456789"); i >= 0 {
				b[i] = byte('0' + rng.IntN(10))
			}
		case 2:
			return s + suffixes[rng.IntN(len(suffixes))]
		case 3:
			if len(s) > 1 {
				return s[:1+rng.IntN(len(s)-1)]
			}
		case 4:
			return s + "." + fmt.Sprint(rng.IntN(20))
		case 5:
			return strings.Replace(s, ".", suffixes[rng.IntN(len(suffixes))], 1)
		}
		return string(b)
	}
	var out [][2]string
	for len(out) < n {
		a := seeds[rng.IntN(len(seeds))]
		var b string
		switch rng.IntN(3) {
		case 0:
			b = seeds[rng.IntN(len(seeds))]
		case 1:
			b = mutate(a)
		default:
			a, b = mutate(a), mutate(mutate(a))
		}
		out = append(out, [2]string{a, b})
	}
	return out
}

// Run asks the reference command for the order of every pair.
func Run(t testing.TB, pairs [][2]string, name string, args ...string) ([]Pair, error) {
	t.Helper()
	var in bytes.Buffer
	for _, p := range pairs {
		fmt.Fprintf(&in, "%s\t%s\n", p[0], p[1])
	}
	cmd := exec.Command(name, args...)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %s", name, err, stderr.String())
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != len(pairs) {
		return nil, fmt.Errorf("%s: %d answers for %d pairs", name, len(lines), len(pairs))
	}
	res := make([]Pair, len(pairs))
	for i, p := range pairs {
		res[i] = Pair{A: p[0], B: p[1], Want: strings.TrimSpace(lines[i])}
	}
	return res, nil
}

// Load reads recorded pairs from a gzipped "a<TAB>b<TAB>want" file.
func Load(t testing.TB, path string) []Pair {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []Pair
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		out = append(out, Pair{f[0], f[1], f[2]})
	}
	return out
}

// Save writes pairs to a gzipped file (go test -update).
func Save(t testing.TB, path string, pairs []Pair) {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	for _, p := range pairs {
		fmt.Fprintf(zw, "%s\t%s\t%s\n", p.A, p.B, p.Want)
	}
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Check compares our answers with the reference's, reporting at most a
// few disagreements. compare returns the order or an error for an invalid
// version.
func Check(t testing.TB, what string, pairs []Pair, compare func(a, b string) (int, error)) {
	t.Helper()
	bad := 0
	for _, p := range pairs {
		got := "invalid"
		if c, err := compare(p.A, p.B); err == nil {
			got = fmt.Sprint(c)
		}
		if got != p.Want {
			bad++
			if bad <= 10 {
				t.Errorf("%s: compare(%q, %q) = %s, reference says %s", what, p.A, p.B, got, p.Want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d pairs disagree", what, bad, len(pairs))
	}
}

// Need skips the test when the reference is missing, except in CI, where
// .ci/run installs it and its absence is a failure.
func Need(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("reference implementation: %v", err)
	}
	t.Skipf("reference implementation unavailable: %v", err)
}

// ReadLines reads a list of versions, one a line; blank lines and lines
// starting with "#" are left out.
func ReadLines(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// Version is what every comparator package's parsed version offers.
type Version[V any] interface {
	String() string
	Compare(V) int
}

// CheckOrder checks the properties a fuzzer holds a comparator to on two
// inputs: a parsed version prints as its input, and the order is
// antisymmetric, within -1..1 and reflexive.
func CheckOrder[V Version[V]](t *testing.T, parse func(string) (V, error), a, b string) {
	t.Helper()
	x, err1 := parse(a)
	y, err2 := parse(b)
	if err1 == nil && x.String() != a {
		t.Errorf("Parse(%q).String() = %q", a, x.String())
	}
	if err1 != nil || err2 != nil {
		return
	}
	if c := x.Compare(y); c != -y.Compare(x) || c < -1 || c > 1 {
		t.Errorf("Compare(%q, %q) = %d, reverse %d", a, b, c, y.Compare(x))
	}
	if x.Compare(x) != 0 {
		t.Errorf("%q differs from itself", a)
	}
}
