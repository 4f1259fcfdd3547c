// Package php finds PHP packages installed by Composer: those a project
// locks in composer.lock, and those Composer records as installed in
// vendor/composer/installed.json.
package php

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// LockExtractor reads composer.lock files.
type LockExtractor struct{}

// Name implements extract.Extractor.
func (LockExtractor) Name() string { return "composer-lock" }

// Version implements extract.Extractor.
func (LockExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. A large application's lock is a few
// hundred kilobytes; a whole framework distribution a few megabytes.
func (LockExtractor) MaxSize() int64 { return 64 << 20 }

// Required implements extract.Extractor. A composer.lock inside an
// installed package (vendor/<vendor>/<name>/composer.lock) is left out: it
// records that package's own development setup, not what is installed.
func (LockExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && baseName(f.Path) == "composer.lock" &&
		baseName(parentDir(parentDir(parentDir(f.Path)))) != "vendor"
}

// Extract implements extract.Extractor.
func (LockExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "composer-lock", ParseLock)
}

// InstalledExtractor reads Composer's record of what it installed,
// <vendor dir>/composer/installed.json.
type InstalledExtractor struct{}

// Name implements extract.Extractor.
func (InstalledExtractor) Name() string { return "composer-installed" }

// Version implements extract.Extractor.
func (InstalledExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (InstalledExtractor) MaxSize() int64 { return 64 << 20 }

// Required implements extract.Extractor. The vendor directory can be
// renamed (config.vendor-dir), so only the composer/ part of the path is
// checked.
func (InstalledExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && baseName(f.Path) == "installed.json" &&
		baseName(parentDir(f.Path)) == "composer"
}

// Extract implements extract.Extractor.
func (InstalledExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "composer-installed", ParseInstalled)
}

// pkg is the part of a package entry this package reads; lock and
// installed.json entries share the shape.
type pkg struct {
	Name    *string         `json:"name"`
	Version *string         `json:"version"`
	License json.RawMessage `json:"license"`
}

// ParseLock returns the packages a composer.lock pins, from its "packages"
// and "packages-dev" lists. The lock does not say which are direct
// requirements (that is in composer.json), so Dependency is left empty.
func ParseLock(data []byte) ([]inventory.Package, error) {
	var lock struct {
		Packages    *[]pkg `json:"packages"`
		PackagesDev []pkg  `json:"packages-dev"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, err
	}
	if lock.Packages == nil {
		return nil, errors.New(`no "packages" list`)
	}
	out, err := convert(nil, *lock.Packages, "packages")
	if err != nil {
		return nil, err
	}
	return convert(out, lock.PackagesDev, "packages-dev")
}

// ParseInstalled returns the packages in a vendor/composer/installed.json:
// Composer 1 writes a list of package entries, Composer 2 an object whose
// "packages" holds it.
func ParseInstalled(data []byte) ([]inventory.Package, error) {
	var list []pkg
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("[")) {
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, err
		}
	} else {
		var v2 struct {
			Packages *[]pkg `json:"packages"`
		}
		if err := json.Unmarshal(data, &v2); err != nil {
			return nil, err
		}
		if v2.Packages == nil {
			return nil, errors.New(`no "packages" list`)
		}
		list = *v2.Packages
	}
	return convert(nil, list, "packages")
}

// convert appends the entries of one list to out.
func convert(out []inventory.Package, list []pkg, field string) ([]inventory.Package, error) {
	for i, p := range list {
		if p.Name == nil || *p.Name == "" || p.Version == nil || *p.Version == "" {
			return nil, fmt.Errorf("%s[%d]: missing name or version", field, i)
		}
		out = append(out, inventory.Package{
			Type:     inventory.TypeComposer,
			Name:     *p.Name,
			Version:  normalizeVersion(*p.Version),
			Licenses: licenses(p.License),
			Layer:    -1,
		})
	}
	return out, nil
}

// normalizeVersion drops the "v" of a tag-style version ("v5.4.20"), as
// Composer's own version parser does. Packagist records in OSV (from GitHub
// advisories and FriendsOfPHP) write the bare form, "5.4.20", so the
// prefixed one would not compare. Branch versions ("dev-main",
// "2.x-dev") are kept as written.
func normalizeVersion(v string) string {
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && '0' <= v[1] && v[1] <= '9' {
		return v[1:]
	}
	return v
}

// licenses reads "license", a list of SPDX expressions or, in older or
// hand-made files, one string. Other shapes carry no usable license and are
// ignored rather than failing the file.
func licenses(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		list = []string{one}
	}
	var out []string
	for _, l := range list {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// parentDir returns the directory part of a slash-separated path without
// allocating; "" for a file at the root.
func parentDir(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i]
}

// baseName is path.Base for the clean relative paths the walk hands out.
func baseName(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}
