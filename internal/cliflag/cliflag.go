// Package cliflag holds what every Bulwark command needs of the flag
// package beyond it: flags after positional arguments, repeatable and
// list-valued flags, and usage errors that the caller can tell apart.
package cliflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// ErrUsage marks command-line mistakes.
var ErrUsage = errors.New("usage")

// NewSet is a command's flag set; -h prints usage and then the flags.
func NewSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args, whose flags may come before or after positional
// arguments. help is true when -h was asked for, and then err is nil.
func Parse(fs *flag.FlagSet, args []string) (positional []string, help bool, err error) {
	positional, err = parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return positional, false, nil
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("bulwark sbom IMAGE --format json"), which the flag package
// alone does not allow: it stops at the first positional argument, so each
// round takes that argument and parses the rest again.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// IsSet reports whether the flag name was given on the command line.
func IsSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// Multi collects a repeatable string flag.
type Multi []string

func (m *Multi) String() string     { return strings.Join(*m, ",") }
func (m *Multi) Set(s string) error { *m = append(*m, s); return nil }

// IDSet is a comma-separated flag of check IDs, upper-cased.
type IDSet map[string]bool

func (s *IDSet) String() string { return "" }
func (s *IDSet) Set(v string) error {
	if *s == nil {
		*s = IDSet{}
	}
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			(*s)[strings.ToUpper(id)] = true
		}
	}
	return nil
}

// Env returns the environment variable key, or def when it is unset.
func Env(key, def string, lookup func(string) string) string {
	if v := lookup(key); v != "" {
		return v
	}
	return def
}

// List splits a comma-separated flag value, dropping blanks.
func List(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// Text is a help text from an embedded file system; a missing one is a
// build mistake.
func Text(fsys fs.FS, name string) string {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		panic(err)
	}
	return string(b)
}
