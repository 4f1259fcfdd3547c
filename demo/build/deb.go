package main

import (
	"archive/tar"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os/exec"
	"path"
	"sort"
	"strings"
)

// deb is one Debian binary package as dpkg would have installed it.
type deb struct {
	file      string
	control   string            // the control file, as shipped
	fields    map[string]string // its single-line fields
	md5sums   []byte
	conffiles []string
	data      []entry
}

func (d *deb) name() string { return d.fields["Package"] }

// infoName is the package's name in /var/lib/dpkg/info: Multi-Arch: same
// packages are qualified with their architecture.
func (d *deb) infoName() string {
	if d.fields["Multi-Arch"] == "same" {
		return d.name() + ":" + d.fields["Architecture"]
	}
	return d.name()
}

// readDeb unpacks a .deb with dpkg-deb, which reads every compression
// Debian uses.
func readDeb(file string) (*deb, error) {
	ctrl, err := exec.Command("dpkg-deb", "--ctrl-tarfile", file).Output()
	if err != nil {
		return nil, fmt.Errorf("dpkg-deb --ctrl-tarfile %s: %w", file, err)
	}
	data, err := exec.Command("dpkg-deb", "--fsys-tarfile", file).Output()
	if err != nil {
		return nil, fmt.Errorf("dpkg-deb --fsys-tarfile %s: %w", file, err)
	}
	d := &deb{file: file, fields: map[string]string{}}
	tr := tar.NewReader(bytes.NewReader(ctrl))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: control: %w", file, err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		switch strings.TrimPrefix(h.Name, "./") {
		case "control":
			d.control = string(body)
		case "md5sums":
			d.md5sums = body
		case "conffiles":
			d.conffiles = strings.Fields(string(body))
		}
	}
	for _, line := range strings.Split(d.control, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, " ") {
			d.fields[k] = v
		}
	}
	if d.name() == "" || d.fields["Version"] == "" {
		return nil, fmt.Errorf("%s: control file names no package or version", file)
	}
	if d.data, err = readTar(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("%s: data: %w", file, err)
	}
	return d, nil
}

// stanza is the package's entry in /var/lib/dpkg/status: its control file
// with the Status line dpkg adds after Package, and the Conffiles field
// dpkg adds before Description.
func (d *deb) stanza() string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimRight(d.control, "\n")+"\n", "\n") {
		if strings.HasPrefix(line, "Description:") && len(d.conffiles) > 0 {
			b.WriteString("Conffiles:\n")
			for _, c := range d.conffiles {
				fmt.Fprintf(&b, " %s %s\n", c, d.md5(strings.TrimPrefix(c, "/")))
			}
		}
		b.WriteString(line)
		if strings.HasPrefix(line, "Package:") {
			b.WriteString("Status: install ok installed\n")
		}
	}
	return b.String()
}

func (d *deb) md5(p string) string {
	for _, e := range d.data {
		if e.path == p {
			sum := md5.Sum(e.body)
			return hex.EncodeToString(sum[:])
		}
	}
	return "newconffile"
}

// dpkgDB is the package database after installing debs: the status file
// (packages sorted by name) and each package's file list and checksums in
// var/lib/dpkg/info.
func dpkgDB(all, added []*deb) []entry {
	sorted := append([]*deb{}, all...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name() < sorted[j].name() })
	var status strings.Builder
	for i, d := range sorted {
		if i > 0 {
			status.WriteString("\n")
		}
		status.WriteString(d.stanza())
	}
	out := []entry{
		file("var/lib/dpkg/status", 0o644, []byte(status.String())),
		dir("var/lib/dpkg/info"),
		dir("var/lib/dpkg/updates"),
	}
	for _, d := range added {
		list := "/.\n"
		for _, e := range d.data {
			list += "/" + e.path + "\n"
		}
		info := "var/lib/dpkg/info/" + d.infoName()
		out = append(out, file(info+".list", 0o644, []byte(list)))
		if d.md5sums != nil {
			out = append(out, file(info+".md5sums", 0o644, d.md5sums))
		}
		if len(d.conffiles) > 0 {
			out = append(out, file(info+".conffiles", 0o644, []byte(strings.Join(d.conffiles, "\n")+"\n")))
		}
	}
	return out
}

// pythonNames are the distribution names of the Python packages the debs
// install, from their egg-info PKG-INFO or dist-info METADATA.
func pythonNames(debs []*deb) []string {
	var names []string
	for _, d := range debs {
		for _, e := range d.data {
			dir, base := path.Split(e.path)
			if !strings.HasPrefix(dir, "usr/lib/python3/dist-packages/") || (base != "PKG-INFO" && base != "METADATA") {
				continue
			}
			for _, line := range strings.Split(string(e.body), "\n") {
				if n, ok := strings.CutPrefix(line, "Name: "); ok {
					names = append(names, strings.TrimSpace(n))
					break
				}
			}
		}
	}
	return names
}
