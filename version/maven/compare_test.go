package maven

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/difftest"
)

var update = flag.Bool("update", false, "re-record the reference's answers")

func TestVectors(t *testing.T) {
	// In increasing order, as Maven's documentation lists them.
	ordered := []string{"1-alpha", "1-alpha2", "1-beta", "1-milestone", "1-rc", "1-snapshot", "1", "1-sp", "1-abc", "1-xyz", "1.1"}
	for i := 0; i+1 < len(ordered); i++ {
		if c, err := Compare(ordered[i], ordered[i+1]); err != nil || c != -1 {
			t.Errorf("Compare(%q, %q) = %d, %v; want -1", ordered[i], ordered[i+1], c, err)
		}
	}
	for _, eq := range [][2]string{{"1", "1.0"}, {"1", "1.0.0"}, {"1-ga", "1"}, {"1-final", "1.0"}, {"1.0-cr1", "1.0-rc1"}, {"1a1", "1-alpha-1"}, {"2.0-beta9", "2.0-b9"}} {
		if c, err := Compare(eq[0], eq[1]); err != nil || c != 0 {
			t.Errorf("Compare(%q, %q) = %d, %v; want 0", eq[0], eq[1], c, err)
		}
	}
	// Log4Shell's ranges.
	for _, tt := range [][2]string{{"2.0-beta9", "2.0"}, {"2.14.1", "2.15.0"}, {"2.12.1", "2.12.2"}, {"2.0-beta8", "2.0-beta9"}} {
		if c, _ := Compare(tt[0], tt[1]); c != -1 {
			t.Errorf("Compare(%q, %q) = %d, want -1", tt[0], tt[1], c)
		}
	}
}

var seeds = []string{
	"2.14.1", "2.15.0", "2.0-beta9", "2.12.2", "1.7.32", "3.12.0", "5.3.20", "2.13.4.2", "1.0-SNAPSHOT",
	"31.1-jre", "1.2.3.RELEASE", "4.1.77.Final", "9.4.48.v20220622", "1.0.0-M3", "2.0.0-RC1", "1.0-sp1",
	"0.9.1", "1.1.10.1", "2.6", "1.0-alpha-1",
}

func pairs() [][2]string {
	return difftest.Mutate(seeds, []string{"-SNAPSHOT", ".Final", "-RC2", "-beta", "-sp", "a1", "-1", ".0", "-ga", "-xyz"}, 4000)
}

// jar finds maven-artifact, Maven's own implementation.
func jar() (string, error) {
	for _, p := range []string{os.Getenv("MAVEN_ARTIFACT_JAR"), "/usr/share/maven/lib/maven-artifact-3.x.jar", "/usr/share/java/maven-artifact-3.x.jar"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("maven-artifact jar not found (apt-get install maven)")
}

func reference(t *testing.T) ([]difftest.Pair, error) {
	j, err := jar()
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("java"); err != nil {
		return nil, err
	}
	return difftest.Run(t, pairs(), "java", "-cp", j, "testdata/Reference.java")
}

// TestReference checks 4,000 pairs against Maven's ComparableVersion,
// recorded and live.
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
