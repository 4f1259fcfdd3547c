package triage

import (
	"errors"
	"io/fs"
	"os"
)

// Load reads the triage inputs of a scan: the ignore file at ignorePath
// (skipped when it does not exist, unless required) and the VEX documents.
// Scans read them before they start, so that a mistake fails fast.
func Load(ignorePath string, required bool, vexPaths []string) (*Ignore, []*VEX, error) {
	var ig *Ignore
	if _, err := os.Stat(ignorePath); required || !errors.Is(err, fs.ErrNotExist) {
		if ig, err = LoadIgnore(ignorePath); err != nil {
			return nil, nil, err
		}
	}
	var vexes []*VEX
	for _, p := range vexPaths {
		x, err := LoadVEX(p)
		if err != nil {
			return nil, nil, err
		}
		vexes = append(vexes, x)
	}
	return ig, vexes, nil
}
