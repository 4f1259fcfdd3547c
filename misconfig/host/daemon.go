package host

import (
	"path"
	"regexp"
	"sort"
	"strings"
)

// daemon is what the tree says about dockerd: where it is, how systemd
// starts it, and the options it starts with.
type daemon struct {
	installed bool
	// binary is dockerd's tree name ("usr/sbin/dockerd"), or "".
	binary string
	// service and socket are the files of docker.service and
	// docker.socket, each unit file first, then its drop-ins.
	service, socket []string
	// socketUnit holds docker.socket's settings, by key.
	socketUnit map[string]unitEntry
	// execStart is the ExecStart line in effect, if any.
	execStart *unitEntry
	// config is daemon.json's tree name (--config-file moves it).
	config string
	// settings are the options, by daemon.json key: from daemon.json,
	// replaced by the command line's.
	settings map[string]setting
	// info: docker info was read; rootless: it says the daemon runs
	// rootless.
	info, rootless bool
}

// setting is one option and where it was set.
type setting struct {
	values     []string
	file       string
	line       int
	fromFlags  bool
	fromConfig bool
	// fromInfo: the running daemon's docker info, which wins over the
	// files; was says what the files set instead, if anything.
	fromInfo bool
	was      string
}

// first is the option's (first) value.
func (s setting) first() string {
	if len(s.values) == 0 {
		return ""
	}
	return s.values[0]
}

// get returns an option; ok is false when nothing sets it.
func (d *daemon) get(key string) (setting, bool) {
	s, ok := d.settings[key]
	return s, ok
}

// isTrue says whether a boolean option is set to true.
func (d *daemon) isTrue(key string) bool {
	s, ok := d.get(key)
	return ok && strings.EqualFold(s.first(), "true")
}

// unitEntry is a unit setting with the file it is in.
type unitEntry struct {
	unitLine
	file string
}

// unitDirs are where systemd looks for units, most important first.
var unitDirs = []string{"etc/systemd/system", "run/systemd/system", "lib/systemd/system", "usr/lib/systemd/system"}

// loadUnit reads a unit: its file (the first found in unitDirs) and its
// drop-ins (NAME.d/*.conf in any of them, by file name), in the order
// systemd applies them.
func (s *scanner) loadUnit(name string) (files []string, entries []unitEntry) {
	for _, dir := range unitDirs {
		if _, ok := s.stat(dir + "/" + name); ok {
			files = append(files, dir+"/"+name)
			break
		}
	}
	if len(files) == 0 {
		return nil, nil
	}
	dropins := map[string]string{} // file name → tree name; the first dir wins
	var names []string
	for _, dir := range unitDirs {
		for _, p := range s.list(dir + "/" + name + ".d") {
			base := path.Base(p)
			if _, seen := dropins[base]; !seen && strings.HasSuffix(base, ".conf") {
				dropins[base] = p
				names = append(names, base)
			}
		}
	}
	sort.Strings(names)
	for _, n := range names {
		files = append(files, dropins[n])
	}
	for _, f := range files {
		data, ok := s.read(f)
		if !ok {
			continue
		}
		for _, l := range parseUnit(data) {
			entries = append(entries, unitEntry{l, f})
		}
	}
	return files, entries
}

// binDirs are where the runtime's programs are installed.
var binDirs = []string{"usr/bin", "usr/sbin", "usr/local/bin", "bin", "sbin"}

// findBinary returns the tree name of a program, or "".
func (s *scanner) findBinary(name string) string {
	for _, dir := range binDirs {
		if info, ok := s.stat(dir + "/" + name); ok && info.Mode.IsRegular() {
			return dir + "/" + name
		}
	}
	return ""
}

// loadDaemon gathers dockerd's configuration.
func (s *scanner) loadDaemon() *daemon {
	d := &daemon{config: "etc/docker/daemon.json", settings: map[string]setting{}, socketUnit: map[string]unitEntry{}}
	var service []unitEntry
	d.service, service = s.loadUnit("docker.service")
	var socket []unitEntry
	d.socket, socket = s.loadUnit("docker.socket")
	for _, e := range socket {
		if e.section == "Socket" {
			if e.key == "ListenStream" && d.socketUnit[e.key].value != "" {
				e.value = d.socketUnit[e.key].value + " " + e.value
			}
			d.socketUnit[e.key] = e
		}
	}

	// The command line: the last ExecStart after the last empty one that
	// resets the list, with the unit's environment put in.
	env := map[string]setting{}
	for _, e := range service {
		if e.section != "Service" {
			continue
		}
		switch e.key {
		case "ExecStart":
			if e.value == "" {
				d.execStart = nil
			} else {
				e := e
				d.execStart = &e
			}
		case "Environment":
			words, _ := splitCommand(e.value)
			for _, w := range words {
				if k, v, ok := strings.Cut(w, "="); ok {
					env[k] = setting{values: []string{v}, file: e.file, line: e.line}
				}
			}
		case "EnvironmentFile":
			if name, ok := rel(strings.TrimPrefix(e.value, "-")); ok {
				if data, ok := s.read(name); ok {
					for k, v := range parseEnvFile(data) {
						env[k] = setting{values: v.values, file: name, line: v.line}
					}
				}
			}
		}
	}
	var flags []option
	var sources []setting // where each word of the command line came from
	if d.execStart != nil {
		cmd := strings.TrimLeft(d.execStart.value, "-@+!:")
		words, err := splitCommand(cmd)
		if err != nil {
			s.warn(d.execStart.file, "line %d: ExecStart: %v", d.execStart.line, err)
		}
		here := setting{file: d.execStart.file, line: d.execStart.line}
		var args []string
		for _, w := range words {
			if m := wholeVar.FindStringSubmatch(w); m != nil {
				v := env[m[1]+m[2]]
				for _, x := range strings.Fields(v.first()) {
					args, sources = append(args, x), append(sources, v)
				}
				continue
			}
			w = inlineVar.ReplaceAllStringFunc(w, func(m string) string {
				return env[strings.Trim(m, "${}")].first()
			})
			args, sources = append(args, w), append(sources, here)
		}
		if len(args) > 0 {
			if name, ok := rel(args[0]); ok && path.Base(name) == "dockerd" {
				d.binary = name
			}
			flags = parseFlags(args[1:])
			sources = sources[1:]
		}
	}
	if d.binary == "" || !exists(s.tree, d.binary) {
		d.binary = s.findBinary("dockerd")
	}
	for _, f := range flags {
		if f.key == "config-file" {
			if name, ok := rel(f.value); ok {
				d.config = name
			}
		}
	}

	if data, ok := s.read(d.config); ok {
		opts, err := parseDaemonJSON(data)
		if err != nil {
			s.warn(d.config, "not valid JSON, its settings are not checked: %v", err)
		}
		for k, v := range opts {
			d.settings[k] = setting{values: v.values, file: d.config, line: v.line, fromConfig: true}
		}
		d.installed = true
	}
	for _, f := range flags {
		src := sources[f.word]
		old, ok := d.settings[f.key]
		if ok && old.fromFlags {
			old.values = append(old.values, f.value)
			d.settings[f.key] = old
			continue
		}
		d.settings[f.key] = setting{values: []string{f.value}, file: src.file, line: src.line, fromFlags: true}
	}
	d.installed = d.installed || d.binary != "" || len(d.service) > 0
	return d
}

// Variables in a command line: a whole word "$X" or "${X}" becomes
// several words; "${X}" inside a word is put in as it is.
var (
	wholeVar  = regexp.MustCompile(`^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$`)
	inlineVar = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)
)

// where names the place an unset option belongs: daemon.json.
func (d *daemon) where() (string, int) { return d.config, 0 }

// commandLine describes the command line for messages.
func (d *daemon) commandLine() string {
	if d.execStart == nil {
		return "no dockerd command line"
	}
	return "the ExecStart of " + hostPath(d.execStart.file)
}
