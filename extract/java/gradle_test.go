package java

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
)

func TestGradleGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/gradle.lockfile")
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := ParseGradleLock(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 48 {
		t.Errorf("got %d packages, want the lockfile's 48", len(pkgs))
	}
	golden.CheckJSON(t, "gradle.lockfile.golden.json", pkgs, *update)
}

func TestGradleForms(t *testing.T) {
	// The per-configuration files of Gradle before 6 have no "=...".
	legacy := "# This is a Gradle generated file for dependency locking.\r\n" +
		"org.springframework:spring-core:5.3.20\r\n" +
		"com.google.guava:guava:31.1-jre\r\n"
	pkgs, err := ParseGradleLock([]byte(legacy))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 2 || pkgs[1].Name != "com.google.guava:guava" || pkgs[1].Version != "31.1-jre" || pkgs[1].Dependency != "" {
		t.Errorf("got %+v", pkgs)
	}
	for _, in := range []string{"", "# only comments\n", "empty=\n", "empty=compileClasspath\n\n"} {
		if pkgs, err := ParseGradleLock([]byte(in)); err != nil || len(pkgs) != 0 {
			t.Errorf("%q: %v, %v", in, pkgs, err)
		}
	}
}

func TestGradleMalformed(t *testing.T) {
	for _, in := range []string{
		"org.example:lib=compileClasspath",
		"org.example:lib:1.0:extra=compileClasspath",
		"org.example::1.0=compileClasspath",
		"org.example:lib:${v}=x",
		"{\"json\": true}",
		"org example:lib:1.0",
	} {
		if pkgs, err := ParseGradleLock([]byte("# header\n" + in + "\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: %v, err %v", in, pkgs, err)
		}
	}
}

func TestGradleExtract(t *testing.T) {
	data, _ := os.ReadFile("testdata/gradle.lockfile")
	in := extract.Input{File: extract.File{Path: "src/app/gradle.lockfile", Mode: 0o644}, Content: strings.NewReader(string(data))}
	res, err := GradleLockExtractor{}.Extract(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Packages {
		if p.Location != "src/app/gradle.lockfile" || p.Layer != -1 {
			t.Fatalf("package %+v", p)
		}
	}
	for p, want := range map[string]bool{
		"src/app/gradle.lockfile":                                   true,
		"buildscript-gradle.lockfile":                               true,
		"src/app/gradle/dependency-locks/compileClasspath.lockfile": true,
		"src/app/gradle/dependency-locks/notes.txt":                 false,
		"src/app/other.lockfile":                                    false,
		"src/app/gradle.lockfile.orig":                              false,
	} {
		if got := (GradleLockExtractor{}).Required(extract.File{Path: p, Mode: 0o644}); got != want {
			t.Errorf("Required(%q) = %v", p, got)
		}
	}
}

func FuzzParseGradleLock(f *testing.F) {
	data, _ := os.ReadFile("testdata/gradle.lockfile")
	f.Add(data)
	f.Add([]byte("a:b:c\r\nempty=\n#x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseGradleLock(data)
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if strings.Count(p.Name, ":") != 1 || p.Version == "" {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}
