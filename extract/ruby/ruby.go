// Package ruby finds Ruby gems: installed gems from the specification files
// RubyGems writes into every gem home's specifications/ directory, and
// locked gems from Bundler's Gemfile.lock.
//
// Gemspecs are Ruby programs. They are read here without running Ruby, by a
// small reader of the few assignments RubyGems writes (name, version,
// platform, licenses) and the literal forms it uses for them.
package ruby

import "strings"

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

// grandparentIs reports whether the directory two levels above the file p
// is named name.
func grandparentIs(p, name string) bool {
	return baseName(parentDir(parentDir(p))) == name
}
