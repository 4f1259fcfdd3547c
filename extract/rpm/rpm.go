// Package rpm reads rpm package databases in all three formats rpm has
// used: BerkeleyDB (Packages), SQLite (rpmdb.sqlite) and NDB (Packages.db),
// through go-rpmdb.
package rpm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
	// go-rpmdb reads SQLite databases through database/sql's "sqlite"
	// driver; modernc's is pure Go, so the binary stays static.
	_ "modernc.org/sqlite"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// dbPaths are where distributions keep the database: var/lib/rpm
// traditionally, usr/lib/sysimage/rpm on Fedora 36+, openSUSE and SLE.
var dbPaths = map[string]bool{
	"var/lib/rpm/Packages":              true,
	"var/lib/rpm/rpmdb.sqlite":          true,
	"var/lib/rpm/Packages.db":           true,
	"usr/lib/sysimage/rpm/Packages":     true,
	"usr/lib/sysimage/rpm/rpmdb.sqlite": true,
	"usr/lib/sysimage/rpm/Packages.db":  true,
}

const (
	maxDBSize = 1 << 30
	// readTimeout bounds one database read, in case a crafted file sends
	// the library into a loop it cannot be cancelled from.
	readTimeout = 60 * time.Second
)

// Extractor finds installed rpm packages.
type Extractor struct{}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "rpm" }

// Version implements extract.Extractor.
func (Extractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (Extractor) MaxSize() int64 { return maxDBSize }

// Required implements extract.Extractor.
func (Extractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && dbPaths[f.Path]
}

// Extract implements extract.Extractor. The library opens databases by
// path (SQLite needs a real file), so the content is copied to a private
// temp file first.
func (Extractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	tmp, err := os.CreateTemp(in.TempDir, "rpmdb-*-"+path.Base(in.Path))
	if err != nil {
		return extract.Result{}, fmt.Errorf("rpm: %s: %w", in.Path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in.Content); err != nil {
		tmp.Close()
		return extract.Result{}, fmt.Errorf("rpm: %s: %w", in.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return extract.Result{}, fmt.Errorf("rpm: %s: %w", in.Path, err)
	}
	pkgs, err := Read(ctx, tmp.Name())
	if err != nil {
		return extract.Result{}, fmt.Errorf("rpm: %s: %w", in.Path, err)
	}
	for i := range pkgs {
		pkgs[i].Location = in.Path
	}
	return extract.Result{Packages: pkgs}, nil
}

// ErrTimeout is returned when a database takes too long to read.
var ErrTimeout = errors.New("reading the database took too long")

// Read lists the packages of the rpm database file at p, in any format,
// in a child process when Isolate has enabled that.
func Read(ctx context.Context, p string) ([]inventory.Package, error) {
	if isolated.Load() {
		return readIsolated(ctx, p)
	}
	return readInProcess(p)
}

// readInProcess reads the database in this process. A panic in the
// caller's goroutine becomes an error; one in go-rpmdb's own goroutines
// cannot be caught here, which is why Read prefers a child process.
func readInProcess(p string) (pkgs []inventory.Package, err error) {
	defer func() {
		if r := recover(); r != nil {
			pkgs, err = nil, fmt.Errorf("corrupt database: %v", r)
		}
	}()
	db, err := rpmdb.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer db.Close()
	infos, err := db.ListPackages()
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Package, 0, len(infos))
	for _, pi := range infos {
		// gpg-pubkey entries are imported signing keys, not software.
		if pi.Name == "" || pi.Name == "gpg-pubkey" {
			continue
		}
		out = append(out, convert(pi))
	}
	if len(out) == 0 && len(infos) > 0 {
		return nil, errors.New("no packages with a name")
	}
	return out, nil
}

func convert(pi *rpmdb.PackageInfo) inventory.Package {
	version := pi.Version
	if pi.Release != "" {
		version += "-" + pi.Release
	}
	if pi.Epoch != nil && *pi.Epoch > 0 {
		version = strconv.Itoa(*pi.Epoch) + ":" + version
	}
	p := inventory.Package{
		Type:       inventory.TypeRPM,
		Name:       pi.Name,
		Version:    version,
		Arch:       pi.Arch,
		Maintainer: pi.Vendor,
		Layer:      -1,
	}
	if pi.License != "" {
		p.Licenses = []string{pi.License}
	}
	if name, ver, ok := ParseSourceRPM(pi.SourceRpm); ok {
		p.SourceName, p.SourceVersion = name, ver
		// The source rpm's file name carries no epoch; the binary's
		// epoch is the source's.
		if pi.Epoch != nil && *pi.Epoch > 0 {
			p.SourceVersion = strconv.Itoa(*pi.Epoch) + ":" + ver
		}
	} else {
		p.SourceName, p.SourceVersion = p.Name, p.Version
	}
	return p
}

// ParseSourceRPM splits a source rpm file name, "openssl-3.0.7-24.el9.src.rpm",
// into name and version-release ("openssl", "3.0.7-24.el9"). Names may
// contain dashes; version and release may not, so the last two dashes
// separate them.
func ParseSourceRPM(s string) (name, versionRelease string, ok bool) {
	switch {
	case strings.HasSuffix(s, ".src.rpm"):
		s = strings.TrimSuffix(s, ".src.rpm")
	case strings.HasSuffix(s, ".nosrc.rpm"):
		s = strings.TrimSuffix(s, ".nosrc.rpm")
	default:
		return "", "", false
	}
	rel := strings.LastIndexByte(s, '-')
	if rel <= 0 {
		return "", "", false
	}
	ver := strings.LastIndexByte(s[:rel], '-')
	if ver <= 0 || ver+1 == rel || rel+1 == len(s) {
		return "", "", false
	}
	return s[:ver], s[ver+1:], true
}
