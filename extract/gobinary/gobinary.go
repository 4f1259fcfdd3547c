// Package gobinary reads the module build information the Go toolchain
// embeds in every binary it links (go version -m): the main module, each
// dependency module, and the Go version as the "stdlib" package. It works on
// stripped and position-independent binaries, ELF, PE and Mach-O alike.
//
// Most executables in an image are not Go programs, and reading each one
// whole would cost more than the rest of the scan. So an ELF file is
// streamed: its first bytes say whether the Go linker made it (the Go
// build-ID note), and only those are read whole and handed to
// debug/buildinfo, which understands every layout since Go 1.13. Any other
// ELF file is scanned in passing for the build-info header that Go 1.18 and
// later write with its strings inline (binaries linked with an empty build
// ID carry no note but still have it). PE and Mach-O files, rare in Linux
// images, are read whole.
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
	// headSize is how much of a file is read before deciding how to read
	// the rest: enough for the ELF program headers and the first notes.
	headSize = 16 << 10
)

// Extractor finds Go binaries among executable files.
type Extractor struct{}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "gobinary" }

// Version implements extract.Extractor.
func (Extractor) Version() int { return 3 }

// MaxSize implements extract.Extractor.
func (Extractor) MaxSize() int64 { return maxSize }

// Required implements extract.Extractor: regular files with an execute bit
// and a plausible size. Most are not Go programs; Extract tells.
func (Extractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && f.Mode.Perm()&0o111 != 0 && f.Size >= minSize && f.Size <= maxSize
}

// otherMagics are the non-ELF executable formats debug/buildinfo reads.
var otherMagics = [][]byte{
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
	head := make([]byte, headSize)
	n, err := io.ReadFull(in.Content, head)
	head = head[:n]
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return extract.Result{}, fmt.Errorf("gobinary: %s: %w", in.Path, err)
	}
	var bi *buildinfo.BuildInfo
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")) && !hasGoNote(head):
		bi, err = scan(head, in.Content)
	case bytes.HasPrefix(head, []byte("\x7fELF")) || hasPrefix(head, otherMagics):
		bi, err = readWhole(head, in)
	default:
		return extract.Result{}, nil
	}
	if err != nil {
		return extract.Result{}, fmt.Errorf("gobinary: %s: %w", in.Path, err)
	}
	if bi == nil {
		return extract.Result{}, nil
	}
	pkgs := Packages(bi)
	for i := range pkgs {
		pkgs[i].Location = in.Path
	}
	return extract.Result{Packages: pkgs}, nil
}

// readWhole reads the rest of a file after its head and lets debug/buildinfo
// find the build information through the file's own tables. A file it
// cannot read (a C program, a Go program built without modules) yields
// nil and no error.
func readWhole(head []byte, in extract.Input) (*buildinfo.BuildInfo, error) {
	// One buffer of the declared size (plus room to see the end), so
	// that reading does not grow and copy it.
	data := make([]byte, len(head), max(in.Size, int64(len(head)))+bytes.MinRead)
	copy(data, head)
	buf := bytes.NewBuffer(data)
	if _, err := buf.ReadFrom(in.Content); err != nil {
		return nil, err
	}
	bi, err := buildinfo.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return nil, nil
	}
	return bi, nil
}

func hasPrefix(data []byte, magics [][]byte) bool {
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
	platform := Platform(bi)
	add := func(path, version, dep string) {
		// "(devel)" marks code built from a local directory (the main
		// module, or a replacement by a path): no published version.
		if path == "" || version == "" || version == "(devel)" {
			return
		}
		pkgs = append(pkgs, inventory.Package{
			Type: inventory.TypeGolang, Name: path, Version: version,
			SourceName: path, SourceVersion: version, Dependency: dep, Layer: -1,
			Platform: platform,
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

// Platform is the binary's GOOS/GOARCH from its build settings ("linux/amd64"),
// or "" when they are missing (binaries older than Go 1.18). Either half
// may be empty on its own.
func Platform(bi *buildinfo.BuildInfo) string {
	var goos, goarch string
	for _, s := range bi.Settings {
		switch s.Key {
		case "GOOS":
			goos = s.Value
		case "GOARCH":
			goarch = s.Value
		}
	}
	if goos == "" && goarch == "" {
		return ""
	}
	return goos + "/" + goarch
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
