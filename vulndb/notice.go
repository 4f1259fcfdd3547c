package vulndb

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// NoticeFile, beside a mirror's exports or in a folder of records, says
// something every report made from that data must repeat: that it is a
// demo slice, or an internal mirror frozen on some date.
const NoticeFile = "bulwark-db.json"

// ReadNotice returns the notice of an import input: the NoticeFile in the
// folder, or beside the file. Inputs without one, or with one that does
// not parse, have none.
func ReadNotice(input string) string {
	dir := input
	if info, err := os.Stat(input); err != nil || !info.IsDir() {
		dir = filepath.Dir(input)
	}
	f, err := os.Open(filepath.Join(dir, NoticeFile))
	if err != nil {
		return ""
	}
	defer f.Close()
	var doc struct {
		Notice string `json:"notice"`
	}
	if err := json.NewDecoder(io.LimitReader(f, 64<<10)).Decode(&doc); err != nil {
		return ""
	}
	return strings.TrimSpace(doc.Notice)
}
