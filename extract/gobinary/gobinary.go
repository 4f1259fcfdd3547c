// Package gobinary reads the module build information the Go toolchain
// embeds in every binary it links (go version -m): the main module, each
// dependency module, and the Go version as the "stdlib" package. It works on
// stripped and position-independent binaries, ELF, PE and Mach-O alike.
package gobinary

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

const (
	// minSize skips files too small to be a linked Go program (the
	// smallest are over a megabyte; this is a generous floor).
	minSize = 64 << 10
	maxSize = 512 << 20
)

// Extractor finds Go binaries among executable files.
type Extractor struct{}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "gobinary" }

// Version implements extract.Extractor.
func (Extractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (Extractor) MaxSize() int64 { return maxSize }

// Required implements extract.Extractor: regular files with an execute bit
// and a plausible size. Most are not Go programs; Extract tells.
func (Extractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && f.Mode.Perm()&0o111 != 0 && f.Size >= minSize && f.Size <= maxSize
}

// magics are the executable formats debug/buildinfo reads.
var magics = [][]byte{
	[]byte("\x7fELF"),
	[]byte("MZ"),             // PE
	{0xfe, 0xed, 0xfa, 0xce}, // Mach-O 32
	{0xfe, 0xed, 0xfa, 0xcf}, // Mach-O 64
	{0xce, 0xfa, 0xed, 0xfe}, // Mach-O 32, little endian
	{0xcf, 0xfa, 0xed, 0xfe}, // Mach-O 64, little endian
	[]byte("\x00asm"),        // WebAssembly
}

// Extract implements extract.Extractor. A file that is not a Go program
// (scripts, C binaries) yields nothing and no error.
func (Extractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	data, err := io.ReadAll(in.Content)
	if err != nil {
		return extract.Result{}, fmt.Errorf("gobinary: %s: %w", in.Path, err)
	}
	if !isExecutable(data) {
		return extract.Result{}, nil
	}
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		// Not a Go binary, or one built without module support.
		return extract.Result{}, nil
	}
	pkgs := Packages(bi)
	for i := range pkgs {
		pkgs[i].Location = in.Path
	}
	return extract.Result{Packages: pkgs}, nil
}

func isExecutable(data []byte) bool {
	for _, m := range magics {
		if bytes.HasPrefix(data, m) {
			return true
		}
	}
	return false
}

// Packages turns build information into packages: the Go standard library
// at the toolchain's version, the main module (unless it is an unversioned
// local build), and every dependency, with replacements applied since the
// replacement is the code that was linked.
func Packages(bi *buildinfo.BuildInfo) []inventory.Package {
	var pkgs []inventory.Package
	add := func(path, version, dep string) {
		// "(devel)" marks code built from a local directory (the main
		// module, or a replacement by a path): no published version.
		if path == "" || version == "" || version == "(devel)" {
			return
		}
		pkgs = append(pkgs, inventory.Package{
			Type: inventory.TypeGolang, Name: path, Version: version,
			SourceName: path, SourceVersion: version, Dependency: dep, Layer: -1,
		})
	}
	if v := StdlibVersion(bi.GoVersion); v != "" {
		add("stdlib", v, "")
	}
	add(bi.Main.Path, bi.Main.Version, "")
	for _, d := range bi.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		add(d.Path, d.Version, "")
	}
	return pkgs
}

// StdlibVersion turns a toolchain version ("go1.22.1", "go1.21rc2",
// "go1.20.3 X:boringcrypto") into the semantic version Go vulnerability
// data uses for the standard library ("v1.22.1", "v1.21.0-rc.2").
func StdlibVersion(goVersion string) string {
	v, _, _ := strings.Cut(goVersion, " ")
	v, ok := strings.CutPrefix(v, "go")
	if !ok || v == "" {
		return ""
	}
	pre := ""
	for _, tag := range []string{"rc", "beta"} {
		if i := strings.Index(v, tag); i > 0 {
			v, pre = v[:i], "-"+tag+"."+v[i+len(tag):]
			break
		}
	}
	switch strings.Count(v, ".") {
	case 0:
		v += ".0.0"
	case 1:
		v += ".0"
	}
	return "v" + v + pre
}
