// Package host audits a Docker host from its files: the CIS Docker
// Benchmark v1.6.0 sections 1 (the host: partition, docker group, audit
// rules), 2 (the daemon's configuration, from daemon.json and the systemd
// unit's command line) and 3 (ownership and permissions of the daemon's
// files and sockets) from a Tree — a mounted host file system, or /
// itself — and 5 (the container runtime) from the running containers'
// inspect, which the caller fetches from the Engine API.
package host

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
)

// DefaultMaxFileSize bounds each file read (daemon.json, units, audit
// rules, account files); larger ones are skipped with a warning.
const DefaultMaxFileSize = 1 << 20

// Options tune an audit.
type Options struct {
	// SkipChecks are check IDs not to run (upper case).
	SkipChecks map[string]bool
	// MaxFileSize bounds one file (default DefaultMaxFileSize).
	MaxFileSize int64
	// Containers are the running containers, inspected through the
	// Engine API, for section 5; none when no daemon was asked.
	Containers []*Container
	// Info is the running daemon's docker info (GET /info), which wins
	// over the files in section 2 where it shows an option; nil when no
	// daemon was asked.
	Info *DaemonInfo
}

// Result is what an audit found. File names are relative to the tree's
// root ("etc/docker/daemon.json").
type Result struct {
	Findings   []misconfig.Finding
	Suppressed []misconfig.Finding
	// Files counts the configuration files read.
	Files    int
	Warnings []misconfig.Warning
}

// Checks lists the host checks in ID order.
func Checks() []misconfig.Check {
	return misconfig.Catalog(
		checkPartition, checkDockerGroup, checkAuditCore, checkAuditFiles,
		checkICC, checkLogLevel, checkIPTables, checkInsecureRegistry, checkAufs,
		checkTCPWithoutTLS, checkUlimits, checkUserns, checkCgroupParent, checkBaseSize,
		checkAuthz, checkLogDriver, checkNoNewPrivileges, checkLiveRestore,
		checkUserlandProxy, checkSeccomp, checkExperimental,
		checkOwner, checkMode, checkKeyMode, checkSocketWorldWritable,
		checkAppArmor, checkSELinux, checkCapAdd, checkPrivileged, checkSensitiveMount,
		checkPrivilegedPort, checkHostNetwork, checkMemoryLimit, checkCPULimit, checkReadOnlyRootfs,
		checkAnyInterface, checkRestartPolicy, checkHostPID, checkHostIPC, checkHostDevice,
		checkContainerUlimits, checkSharedPropagation, checkHostUTS, checkSeccompUnconfined,
		checkContainerNoNewPrivs, checkHealthcheck, checkPidsLimit, checkDefaultBridge,
		checkHostUserns, checkDockerSocketMount, checkRootless,
	)
}

// cis prefixes the benchmark references.
const cis = "CIS Docker 1.6.0 "

// Scan audits the host under t.
func Scan(ctx context.Context, t Tree, opts Options) (*Result, error) {
	s := &scanner{tree: t, max: opts.MaxFileSize, texts: map[string][]byte{}}
	if s.max <= 0 {
		s.max = DefaultMaxFileSize
	}
	s.readAccounts()
	d := s.loadDaemon()
	d.applyInfo(opts.Info)
	if !d.installed {
		s.warn("", "no Docker installation found (no dockerd, docker.service or daemon.json)")
	} else {
		for _, step := range []func(*daemon){
			s.checkPartition, s.checkDockerGroup, s.checkAuditRules, s.checkDaemon, s.checkFiles,
		} {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			step(d)
		}
	}
	s.checkContainers(opts.Containers, d.isTrue("no-new-privileges"))
	res := &Result{Files: len(s.texts), Warnings: s.warnings, Findings: []misconfig.Finding{}}
	supps := map[string]misconfig.Suppressions{}
	for _, f := range s.findings {
		if opts.SkipChecks[strings.ToUpper(f.CheckID)] {
			continue
		}
		sup, ok := supps[f.File]
		if !ok {
			sup = misconfig.ParseComments(s.texts[f.File])
			supps[f.File] = sup
		}
		if r, ok := sup.Reason(f.CheckID, f.StartLine, f.EndLine); ok {
			f.Suppression = r
			res.Suppressed = append(res.Suppressed, f)
		} else {
			res.Findings = append(res.Findings, f)
		}
	}
	misconfig.Sort(res.Findings)
	misconfig.Sort(res.Suppressed)
	sort.SliceStable(res.Warnings, func(i, j int) bool { return res.Warnings[i].Path < res.Warnings[j].Path })
	return res, nil
}

// scanner is one audit's state: what it read and found.
type scanner struct {
	tree     Tree
	max      int64
	texts    map[string][]byte // files read, for suppressions
	warnings []misconfig.Warning
	findings []misconfig.Finding
	users    map[uint32]string // uid → name, from etc/passwd
	groups   map[uint32]string // gid → name, from etc/group
	groupIDs map[string]uint32
}

func (s *scanner) add(f misconfig.Finding) { s.findings = append(s.findings, f) }

func (s *scanner) warn(name, format string, args ...any) {
	s.warnings = append(s.warnings, misconfig.Warning{Path: name, Message: fmt.Sprintf(format, args...)})
}

// read reads a file of the tree. A missing file is no problem (false);
// any other failure is a warning.
func (s *scanner) read(name string) ([]byte, bool) {
	if data, ok := s.texts[name]; ok {
		return data, true
	}
	data, err := s.tree.ReadFile(name, s.max)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false
	case err != nil:
		s.warn(name, "%v", err)
		return nil, false
	}
	s.texts[name] = data
	return data, true
}

// stat describes a file; a missing file is false, any other failure (a
// link out of the tree) is a warning.
func (s *scanner) stat(name string) (Info, bool) {
	info, err := s.tree.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Info{}, false
	case err != nil:
		s.warn(name, "%v", err)
		return Info{}, false
	}
	return info, true
}

// list names the entries of a folder, sorted; missing is empty.
func (s *scanner) list(dir string) []string {
	entries, err := s.tree.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.warn(dir, "%v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, dir+"/"+e.Name())
	}
	sort.Strings(names)
	return names
}

// readAccounts reads the tree's etc/passwd and etc/group, to name owners.
func (s *scanner) readAccounts() {
	s.users, s.groups, s.groupIDs = map[uint32]string{}, map[uint32]string{}, map[string]uint32{}
	for _, a := range s.accounts("etc/passwd") {
		s.users[a.id] = a.name
	}
	for _, a := range s.accounts("etc/group") {
		s.groups[a.id] = a.name
		s.groupIDs[a.name] = a.id
	}
}

// account is one line of etc/passwd or etc/group.
type account struct {
	name    string
	id, gid uint32   // gid: a user's primary group
	members []string // a group's members
	line    int
}

func (s *scanner) accounts(name string) []account {
	data, _ := s.read(name)
	var out []account
	for i, l := range strings.Split(string(data), "\n") {
		f := strings.Split(l, ":")
		if len(f) < 4 || strings.HasPrefix(l, "#") {
			continue
		}
		var a account
		a.name, a.line = f[0], i+1
		if _, err := fmt.Sscan(f[2], &a.id); err != nil {
			continue
		}
		if name == "etc/passwd" {
			fmt.Sscan(f[3], &a.gid)
		} else if m := strings.TrimSpace(f[3]); m != "" {
			a.members = strings.Split(m, ",")
		}
		out = append(out, a)
	}
	return out
}

// owner renders a file's owner as names (from the tree's accounts) and
// numbers.
func (s *scanner) owner(info Info) string {
	name := func(m map[uint32]string, id uint32) string {
		if n, ok := m[id]; ok {
			return n
		}
		return fmt.Sprint(id)
	}
	return fmt.Sprintf("%s:%s (%d:%d)", name(s.users, info.UID), name(s.groups, info.GID), info.UID, info.GID)
}

// hostPath renders a tree name as the host path it is.
func hostPath(name string) string { return "/" + name }
