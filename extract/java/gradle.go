package java

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// GradleLockExtractor reads Gradle dependency lockfiles: gradle.lockfile and
// buildscript-gradle.lockfile (Gradle 6 and later), and the per-configuration
// files older Gradle wrote under gradle/dependency-locks/.
type GradleLockExtractor struct{}

// Name implements extract.Extractor.
func (GradleLockExtractor) Name() string { return gradleName }

// Version implements extract.Extractor.
func (GradleLockExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (GradleLockExtractor) MaxSize() int64 { return 16 << 20 }

// Required implements extract.Extractor.
func (GradleLockExtractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() {
		return false
	}
	switch path.Base(f.Path) {
	case "gradle.lockfile", "buildscript-gradle.lockfile":
		return true
	}
	return strings.HasSuffix(f.Path, ".lockfile") && strings.Contains(f.Path, "gradle/dependency-locks/")
}

// Extract implements extract.Extractor.
func (GradleLockExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, gradleName, ParseGradleLock)
}

// ParseGradleLock returns the artifacts a Gradle lockfile pins, one line
// each: "group:artifact:version=configuration,...", or without the
// configurations in the older per-configuration files. The "empty=" line
// (configurations that resolve nothing) and "#" comments are skipped. The
// lockfile lists every resolved artifact without saying which the build
// declared, so Dependency is left empty. Any other line is an error: the
// file is generated, so one that does not parse is not a lockfile.
func ParseGradleLock(data []byte) ([]inventory.Package, error) {
	var pkgs []inventory.Package
	for i, line := range splitLines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		gav, _, _ := strings.Cut(line, "=")
		if gav == "empty" {
			continue
		}
		f := strings.Split(gav, ":")
		if len(f) != 3 || !resolved(f[0]) || !resolved(f[1]) || !resolved(f[2]) {
			return nil, fmt.Errorf("line %d: not group:artifact:version: %.80q", i+1, line)
		}
		pkgs = append(pkgs, inventory.Package{
			Type: inventory.TypeMaven, Name: f[0] + ":" + f[1], Version: f[2], Layer: -1,
		})
	}
	return pkgs, nil
}
