package host

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// DaemonInfo is what GET /info (docker info) says of the running daemon, as far
// as section 2 reads it.
type DaemonInfo struct {
	// SecurityOptions are "name=seccomp,profile=default", "name=userns",
	// "name=rootless", "name=no-new-privileges"…
	SecurityOptions    []string
	LiveRestoreEnabled bool
	LoggingDriver      string
	Plugins            struct{ Authorization []string }
}

// DecodeInfo reads the answer of GET /info.
func DecodeInfo(r io.Reader) (*DaemonInfo, error) {
	var info DaemonInfo
	if err := json.NewDecoder(io.LimitReader(r, MaxInspectSize)).Decode(&info); err != nil {
		return nil, fmt.Errorf("docker info: %w", err)
	}
	return &info, nil
}

// securityOption returns the fields of the security option called name
// ("profile=default" → profile: default), and whether there is one.
func (i *DaemonInfo) securityOption(name string) (map[string]string, bool) {
	for _, o := range i.SecurityOptions {
		fields := map[string]string{}
		for _, f := range strings.Split(o, ",") {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		if fields["name"] == name {
			return fields, true
		}
	}
	return nil, false
}

// infoSource names the running daemon in messages.
const infoSource = "the running daemon (docker info)"

// applyInfo makes the running daemon's options win over the files': each
// option docker info shows replaces what daemon.json and the command line
// say, and remembers it when they said otherwise. icc, and the options
// docker info does not show, stay as the files say. Read from docker info:
// userns-remap (name=userns; name=rootless counts too), live-restore,
// log-driver, authorization-plugins, no-new-privileges (when shown) and an
// unconfined or default seccomp profile.
func (d *daemon) applyInfo(info *DaemonInfo) {
	if info == nil {
		return
	}
	d.installed, d.info = true, true
	set := func(key string, values ...string) {
		old, had := d.settings[key]
		if had && slices.Equal(old.values, values) || !had && len(values) == 0 {
			return
		}
		st := setting{values: values, file: d.config, fromInfo: true}
		if had {
			st.file, st.line = old.file, old.line
			st.was = fmt.Sprintf("%s sets %s", source(old), strings.Join(old.values, ","))
		}
		d.settings[key] = st
	}
	_, userns := info.securityOption("userns")
	_, rootless := info.securityOption("rootless")
	switch {
	case userns:
		// The remapped user is not shown; keep the files' name for it.
		if st, ok := d.get("userns-remap"); ok && st.first() != "" {
			break
		}
		set("userns-remap", "default")
	case rootless:
		set("userns-remap", "rootless")
	default:
		set("userns-remap")
	}
	d.rootless = rootless
	set("live-restore", fmt.Sprint(info.LiveRestoreEnabled))
	if info.LoggingDriver != "" {
		set("log-driver", info.LoggingDriver)
	}
	set("authorization-plugins", info.Plugins.Authorization...)
	// Engines before 23.0 (Debian's 20.10 among them) do not show
	// no-new-privileges even when it is on: only its presence is news.
	if _, nnp := info.securityOption("no-new-privileges"); nnp {
		set("no-new-privileges", "true")
	}
	if sc, ok := info.securityOption("seccomp"); ok {
		// "default" (20.10) and "builtin" (23+) are Docker's profile;
		// a custom profile shows as its file, which stays the files' word.
		switch p := sc["profile"]; p {
		case "unconfined":
			set("seccomp-profile", p)
		case "default", "builtin":
			if st, ok := d.get("seccomp-profile"); ok && strings.EqualFold(st.first(), "unconfined") {
				set("seccomp-profile", p)
			}
		}
	}
}
