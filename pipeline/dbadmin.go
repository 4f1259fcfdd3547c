package pipeline

import (
	"context"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/vulndb"
)

// UpdateDB downloads what changed into the database of cacheDir, a line
// per source to log.
func UpdateDB(ctx context.Context, cacheDir string, opts vulndb.UpdateOptions, log io.Writer) error {
	opts.Progress = func(s string) { fmt.Fprintln(log, s) }
	_, err := vulndb.Update(ctx, Path(cacheDir), opts)
	return err
}

// ImportDB loads export zips, record folders and mirror layouts, and the
// KEV and EPSS files when named, into the database of cacheDir, telling
// log what each input gave and what it passed over.
func ImportDB(cacheDir string, inputs []string, kevFile, epssFile string, log io.Writer) error {
	enrich := map[string]string{}
	if kevFile != "" {
		enrich[vulndb.KEV] = kevFile
	}
	if epssFile != "" {
		enrich[vulndb.EPSS] = epssFile
	}
	if len(inputs) == 0 && len(enrich) == 0 {
		return fmt.Errorf("%w: name the zip files, folders or file:// URLs to import", ErrOptions)
	}
	stats, err := vulndb.Import(Path(cacheDir), inputs, enrich)
	for _, in := range inputs {
		if st, ok := stats[in]; ok {
			fmt.Fprintf(log, "%s: %s\n", in, st)
			for _, p := range st.Problems {
				fmt.Fprintf(log, "  warning: %s\n", p)
			}
		}
	}
	return err
}
