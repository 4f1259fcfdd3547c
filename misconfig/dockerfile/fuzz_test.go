package dockerfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzScan feeds arbitrary files to Scan: it must return an error or
// well-formed findings, and never panic in the checks.
func FuzzScan(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.Dockerfile")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
	}
	for _, s := range []string{
		"FROM a\nRUN <<EOF\n$(\n`\nEOF\n",
		"FROM ${A:-${B:-${C}}}\nCOPY --from=${X} . .\n",
		"ONBUILD\nFROM a AS b\nONBUILD ONBUILD RUN x\n",
		"FROM a\nRUN --mount=type=bind,source=,target= sh -c \"$(curl x | sh)\"\n",
		"FROM a\nUSER\nWORKDIR\nEXPOSE 22-\nHEALTHCHECK\nCMD\n",
		"FROM a\nRUN [\"sh\",\"-c\"]\nRUN [\"bash\",\"-c\",\"a|b\"]\n",
		"FROM a\nRUN chmod 7777777777777777777777 x; chmod a+w,,= y\n",
		"# escape=`\nFROM a\nRUN echo `\n  hi\n",
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, ignore bool) {
		fs, err := Scan("Dockerfile", data, Options{Dockerignore: ignore})
		if errors.Is(err, errInternal) {
			t.Fatalf("checks panicked: %v", err)
		}
		if err != nil {
			if fs != nil {
				t.Fatalf("error %v with findings", err)
			}
			return
		}
		checkFindings(t, fs, data)
	})
}

// BenchmarkScan scans BuildKit's own Dockerfile: about 500 lines in some
// 40 stages, with heredocs, mounts and ARG-built FROM lines.
func BenchmarkScan(b *testing.B) {
	data, err := os.ReadFile("testdata/buildkit.Dockerfile")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Scan("Dockerfile", data, Options{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Scan("Dockerfile", data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPathologicalInputs runs inputs built to defeat naive parsing: deep
// nesting, long stage chains, many references. Each must finish with
// findings or an error; a super-linear step shows as a slow test.
func TestPathologicalInputs(t *testing.T) {
	var chain, copies, unresolved strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&chain, "FROM s%d AS s%d\nENV A%d=$A%d\n", i-1, i, i, i-1)
		fmt.Fprintf(&copies, "FROM a:1 AS s%d\nCOPY --from=s%d /a /b\n", i, i/2)
		fmt.Fprintf(&unresolved, "FROM x${V%d}y AS n%d\n", i, i)
	}
	inputs := map[string]string{
		"stage chain":         chain.String(),
		"copies":              copies.String(),
		"unresolved FROMs":    unresolved.String(),
		"nested substitution": "FROM a\nRUN " + strings.Repeat("$(", 20000) + "\n",
		"nested quotes":       "FROM a\nRUN " + strings.Repeat("\"$(`", 10000) + "\n",
		"nested defaults":     "FROM " + strings.Repeat("${A:-", 10000) + "\n",
		"many heredocs":       "FROM a\nRUN <<EOF\n" + strings.Repeat("cat <<A <<B <<C\n", 50000) + "EOF\n",
		"long pipeline":       "FROM a\nRUN " + strings.Repeat("curl x | ", 6000) + "sh\n",
		"many variables":      "FROM a\nENV " + strings.Repeat("A_PASSWORD=x ", 5000) + "\n",
		"long script":         "FROM a\nRUN <<EOF\n" + strings.Repeat("apt-get install -y x && echo \"$(curl q | sh)\"\n", 20000) + "EOF\n",
	}
	for name, in := range inputs {
		fs, err := Scan("Dockerfile", []byte(in), Options{})
		if errors.Is(err, errInternal) {
			t.Errorf("%s: %v", name, err)
		}
		if err == nil {
			checkFindings(t, fs, []byte(in))
		}
	}
}
