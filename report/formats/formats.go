// Package formats looks report formats up by name, for every program that
// lets its user choose one: the command line's --format and the server's
// ?format=.
package formats

import (
	"io"

	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/cyclonedx"
	"github.com/bulwark-sec/bulwark/report/jsonreport"
	"github.com/bulwark-sec/bulwark/report/sarif"
	"github.com/bulwark-sec/bulwark/report/spdx"
	"github.com/bulwark-sec/bulwark/report/table"
)

// Format is one way of writing a report.
type Format struct {
	Name string
	// ContentType is the media type of what Write writes.
	ContentType string
	Write       func(io.Writer, *report.Report) error
}

var all = []Format{
	{"table", "text/plain; charset=utf-8", table.Write},
	{"json", "application/json", jsonreport.Write},
	{"sarif", "application/sarif+json", sarif.Write},
	{"cyclonedx", "application/vnd.cyclonedx+json", cyclonedx.Write},
	{"spdx-json", "application/spdx+json", spdx.Write},
}

// aliases are other names people give the formats.
var aliases = map[string]string{"spdx": "spdx-json"}

// Lookup returns the format called name.
func Lookup(name string) (Format, bool) {
	if a, ok := aliases[name]; ok {
		name = a
	}
	for _, f := range all {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// Names lists every format's name.
func Names() []string {
	names := make([]string, len(all))
	for i, f := range all {
		names[i] = f.Name
	}
	return names
}
