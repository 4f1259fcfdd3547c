// Package dbstatus renders what a vulnerability database holds: per
// ecosystem its records, when and from where it was last updated, whether
// that is too long ago, and the notices its sources carry.
package dbstatus

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark/vulndb"
)

// Status is what `bulwark db status` shows.
type Status struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// MaxAge is the age past which data is called stale.
	MaxAge     string   `json:"maxAge"`
	Ecosystems []Source `json:"ecosystems"`
	Enrichment []Source `json:"enrichment,omitempty"`
}

// Source is one ecosystem's data, or one enrichment source's.
type Source struct {
	vulndb.Meta
	Age   string `json:"age"`
	Stale bool   `json:"stale"`
}

// Read gathers the status of the database at path.
func Read(path string, now time.Time, maxAge time.Duration) (*Status, error) {
	db, err := vulndb.Open(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	metas, err := db.Ecosystems()
	if err != nil {
		return nil, err
	}
	st := &Status{Path: path, MaxAge: maxAge.String(), Ecosystems: []Source{}}
	if info, err := os.Stat(path); err == nil {
		st.Size = info.Size()
	}
	source := func(m vulndb.Meta) Source {
		a := now.Sub(m.Updated)
		return Source{Meta: m, Age: Age(a), Stale: a > maxAge}
	}
	for _, m := range metas {
		st.Ecosystems = append(st.Ecosystems, source(m))
	}
	for _, name := range []string{vulndb.KEV, vulndb.EPSS} {
		if m, ok := db.Enrichment(name); ok {
			m.Ecosystem = strings.ToUpper(name)
			st.Enrichment = append(st.Enrichment, source(m))
		}
	}
	return st, nil
}

// WriteTable writes the status as a table, with the sources' notices
// under it.
func WriteTable(w io.Writer, st *Status) error {
	fmt.Fprintf(w, "database: %s (%.1f MiB)\n", st.Path, float64(st.Size)/(1<<20))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tRECORDS\tPACKAGES\tUPDATED\tAGE\tSTALE\tSOURCE")
	var notices []string
	for _, s := range append(append([]Source{}, st.Ecosystems...), st.Enrichment...) {
		stale := "no"
		if s.Stale {
			stale = "yes (over " + st.MaxAge + ")"
		}
		packages := ""
		if s.Packages > 0 {
			packages = fmt.Sprint(s.Packages)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", s.Ecosystem, s.Records, packages,
			s.Updated.Format(time.RFC3339), s.Age, stale, s.Source)
		if s.Notice != "" && !slices.Contains(notices, s.Notice) {
			notices = append(notices, s.Notice)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range notices {
		fmt.Fprintf(w, "NOTE: %s\n", n)
	}
	return nil
}

// WriteJSON writes the status as one JSON object.
func WriteJSON(w io.Writer, st *Status) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(st)
}

// Age writes a duration the way the status table shows ages.
func Age(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
