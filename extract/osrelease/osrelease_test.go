package osrelease

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		fixture, path string
		want          inventory.OS
	}{
		{"debian12-os-release", "usr/lib/os-release", inventory.OS{Family: "debian", Name: "Debian GNU/Linux 12 (bookworm)", Version: "12", Codename: "bookworm"}},
		{"debian12-debian_version", "etc/debian_version", inventory.OS{Family: "debian", Name: "Debian GNU/Linux", Version: "12.12"}},
		{"alpine320-os-release", "etc/os-release", inventory.OS{Family: "alpine", Name: "Alpine Linux v3.20", Version: "3.20.3"}},
		{"alpine320-alpine-release", "etc/alpine-release", inventory.OS{Family: "alpine", Name: "Alpine Linux", Version: "3.20.3"}},
		{"wolfi-os-release", "etc/os-release", inventory.OS{Family: "wolfi", Name: "Wolfi", Version: "20230201"}},
		{"distroless-os-release", "etc/os-release", inventory.OS{Family: "debian", Name: "Distroless", Version: "12", Distroless: true}},
		{"ubi9-os-release", "etc/os-release", inventory.OS{Family: "rhel", Name: "Red Hat Enterprise Linux 9.4 (Plow)", Version: "9.4"}},
		{"ubuntu2204-os-release", "etc/os-release", inventory.OS{Family: "ubuntu", Name: "Ubuntu 22.04.4 LTS", Version: "22.04", Codename: "jammy"}},
		{"centos7-redhat-release", "etc/redhat-release", inventory.OS{Family: "centos", Name: "CentOS Linux release 7.9.2009 (Core)", Version: "7.9.2009", Codename: "Core"}},
		{"rhel8-redhat-release", "etc/redhat-release", inventory.OS{Family: "rhel", Name: "Red Hat Enterprise Linux release 8.10 (Ootpa)", Version: "8.10", Codename: "Ootpa"}},
		{"amzn2-system-release", "etc/system-release", inventory.OS{Family: "amzn", Name: "Amazon Linux release 2 (Karoo)", Version: "2", Codename: "Karoo"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tt.fixture)
			if err != nil {
				t.Fatal(err)
			}
			f := extract.File{Path: tt.path, Mode: 0o644, Size: int64(len(data))}
			if !(Extractor{}).Required(f) {
				t.Fatalf("Required(%s) = false", tt.path)
			}
			res, err := Extractor{}.Extract(context.Background(), extract.Input{File: f, Content: bytes.NewReader(data)})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Source = tt.path
			if tt.fixture == "debian12-debian_version" {
				want.Version = string(bytes.TrimSpace(data)) // the machine's point release
			}
			if *res.OS != want {
				t.Errorf("got  %+v\nwant %+v", *res.OS, want)
			}
		})
	}
}

func TestUnknownOrBroken(t *testing.T) {
	for _, tt := range []struct{ path, body string }{
		{"etc/os-release", "NAME=nothing\n"},
		{"etc/os-release", "\x00\xff garbage"},
		{"etc/redhat-release", "Slackware 15.0\n"},
		{"etc/redhat-release", ""},
	} {
		_, err := Extractor{}.Extract(context.Background(), extract.Input{File: extract.File{Path: tt.path}, Content: bytes.NewReader([]byte(tt.body))})
		if err == nil {
			t.Errorf("%s %q: no error", tt.path, tt.body)
		}
	}
}

func TestBestPrefersOSRelease(t *testing.T) {
	found := map[string]*inventory.OS{
		"etc/debian_version": {Family: "debian", Version: "12.4"},
		"usr/lib/os-release": {Family: "debian", Version: "12"},
	}
	if got := Best(found); got == nil || got.Version != "12" {
		t.Errorf("Best = %+v, want the os-release entry", got)
	}
	delete(found, "usr/lib/os-release")
	if got := Best(found); got == nil || got.Version != "12.4" {
		t.Errorf("Best = %+v, want the debian_version entry", got)
	}
	if Best(nil) != nil {
		t.Error("Best(nil) != nil")
	}
}

func TestQuoting(t *testing.T) {
	os := ParseOSRelease([]byte("ID='arch'\nPRETTY_NAME=\"A \\\"quoted\\\" name\"\n# comment\nVERSION_ID=1\n"))
	if os.Family != "arch" || os.Name != `A "quoted" name` || os.Version != "1" {
		t.Errorf("got %+v", os)
	}
}

func FuzzParseOSRelease(f *testing.F) {
	data, _ := os.ReadFile("testdata/ubi9-os-release")
	f.Add(data)
	f.Add([]byte("ID=\"\\\nX='"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseOSRelease(data)
		parseRedHatRelease(data)
	})
}
