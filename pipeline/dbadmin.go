package pipeline

import (
	"context"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/vulndb"
)

// DBFile is the database file of cacheDir ("" for the user cache
// directory's bulwark folder).
func DBFile(cacheDir string) (string, error) {
	o := Options{CacheDir: cacheDir}
	root, err := o.cacheRoot()
	if err != nil {
		return "", err
	}
	return Path(root), nil
}

// UpdateDB downloads what changed into the database of cacheDir, a line
// per source to log.
func UpdateDB(ctx context.Context, cacheDir string, opts vulndb.UpdateOptions, log io.Writer) error {
	path, err := DBFile(cacheDir)
	if err != nil {
		return err
	}
	opts.Progress = func(s string) { fmt.Fprintln(log, s) }
	_, err = vulndb.Update(ctx, path, opts)
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
	path, err := DBFile(cacheDir)
	if err != nil {
		return err
	}
	stats, err := vulndb.Import(path, inputs, enrich)
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
