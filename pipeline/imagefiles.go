package pipeline

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/audit"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/scan"
)

// maxImageConfigFiles bounds how many of an image's configuration files
// are audited; an image with more is not a deployment folder.
const maxImageConfigFiles = 500

// auditImageFiles checks the Dockerfiles, Compose files and manifests an
// image ships, as bulwark config checks a folder. Each file is written to
// a private folder under a name of our own (a number per image folder,
// then its base name, which the audit reads as its kind, so that a
// Dockerfile keeps its .dockerignore beside it), never under the image's
// path; the findings are then put back at the path and layer in the image.
func (o *Options) auditImageFiles(ctx context.Context, files []scan.ConfigFile, rep *report.Report) error {
	if len(files) == 0 {
		return nil
	}
	if len(files) > maxImageConfigFiles {
		rep.Warnings = append(rep.Warnings, result.Warning{Layer: -1, Message: fmt.Sprintf("image audit: %d configuration files, only the first %d checked", len(files), maxImageConfigFiles)})
		files = files[:maxImageConfigFiles]
	}
	dir, err := os.MkdirTemp("", "bulwark-config-")
	if err != nil {
		return fmt.Errorf("image audit: %w", err)
	}
	defer os.RemoveAll(dir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("image audit: %w", err)
	}
	defer root.Close()
	byName := map[string]scan.ConfigFile{}
	dirs := map[string]string{}
	for _, f := range files {
		base := path.Base(f.Path)
		if base == "." || base == ".." || base == "/" || strings.ContainsAny(base, `/\`) {
			continue
		}
		d, ok := dirs[path.Dir(f.Path)]
		if !ok {
			d = strconv.Itoa(len(dirs))
			dirs[path.Dir(f.Path)] = d
			if err := root.Mkdir(d, 0o700); err != nil {
				return fmt.Errorf("image audit: %w", err)
			}
		}
		name := d + "/" + base
		if err := root.WriteFile(name, f.Data, 0o600); err != nil {
			return fmt.Errorf("image audit: %w", err)
		}
		byName[name] = f
	}
	res, err := audit.Path(ctx, dir, audit.Options{SkipChecks: o.SkipChecks, Parallel: o.Parallel})
	if err != nil {
		return err
	}
	place := func(list []misconfig.Finding) []misconfig.Finding {
		for i := range list {
			if f, ok := byName[filepath.ToSlash(list[i].File)]; ok {
				list[i].File, list[i].Layer = f.Path, f.Layer
			}
		}
		return list
	}
	if rep.Misconfigurations == nil {
		rep.Misconfigurations = []misconfig.Finding{}
	}
	rep.Misconfigurations = append(rep.Misconfigurations, place(res.Findings)...)
	misconfig.Sort(rep.Misconfigurations)
	rep.SuppressedMisconfigurations = append(rep.SuppressedMisconfigurations, place(res.Suppressed)...)
	rep.ConfigFiles += res.Files
	for _, w := range res.Warnings {
		p := w.Path
		if f, ok := byName[filepath.ToSlash(p)]; ok {
			p = f.Path
		}
		rep.Warnings = append(rep.Warnings, result.Warning{Layer: -1, Path: p, Message: w.Message})
	}
	return nil
}
