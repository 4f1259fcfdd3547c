package inventory

import (
	"reflect"
	"testing"
)

func TestPURL(t *testing.T) {
	debian := &OS{Family: "debian", Version: "12"}
	tests := []struct {
		name string
		p    Package
		os   *OS
		want string
	}{
		{"deb with upstream", Package{Type: TypeDeb, Name: "libc6", Version: "2.36-9+deb12u4", Arch: "amd64", SourceName: "glibc"}, debian,
			"pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"},
		{"deb epoch", Package{Type: TypeDeb, Name: "bsdutils", Version: "1:2.38.1-5+b1", Arch: "amd64", SourceName: "util-linux"}, debian,
			"pkg:deb/debian/bsdutils@1:2.38.1-5%2Bb1?arch=amd64&distro=debian-12&upstream=util-linux"},
		{"ubuntu", Package{Type: TypeDeb, Name: "bash", Version: "5.1-6ubuntu1", Arch: "amd64", SourceName: "bash"}, &OS{Family: "ubuntu", Version: "22.04"},
			"pkg:deb/ubuntu/bash@5.1-6ubuntu1?arch=amd64&distro=ubuntu-22.04"},
		{"apk", Package{Type: TypeAPK, Name: "musl", Version: "1.2.5-r0", Arch: "x86_64", SourceName: "musl"}, &OS{Family: "alpine", Version: "3.20.3"},
			"pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"},
		{"rpm epoch and vendor namespace", Package{Type: TypeRPM, Name: "openssl-libs", Version: "1:3.0.7-27.el9", Arch: "x86_64", SourceName: "openssl"}, &OS{Family: "rhel", Version: "9.4"},
			"pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4&epoch=1&upstream=openssl"},
		{"no os", Package{Type: TypeDeb, Name: "a", Version: "1"}, nil, "pkg:deb/debian/a@1"},
		{"unknown type", Package{Type: "swift", Name: "a", Version: "1"}, nil, ""},
		{"go module", Package{Type: TypeGolang, Name: "github.com/google/uuid", Version: "v1.6.0"}, nil, "pkg:golang/github.com/google/uuid@v1.6.0"},
		{"go stdlib", Package{Type: TypeGolang, Name: "stdlib", Version: "go1.22.1"}, nil, "pkg:golang/stdlib@go1.22.1"},
		{"npm scoped", Package{Type: TypeNPM, Name: "@babel/core", Version: "7.24.0"}, nil, "pkg:npm/%40babel/core@7.24.0"},
		{"npm plain", Package{Type: TypeNPM, Name: "lodash", Version: "4.17.21"}, nil, "pkg:npm/lodash@4.17.21"},
		{"pypi normalised", Package{Type: TypePyPI, Name: "Flask_SQLAlchemy", Version: "3.1.1"}, nil, "pkg:pypi/flask-sqlalchemy@3.1.1"},
		{"maven", Package{Type: TypeMaven, Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1"}, nil, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{"composer", Package{Type: TypeComposer, Name: "symfony/console", Version: "v6.4.1"}, nil, "pkg:composer/symfony/console@v6.4.1"},
		{"cargo", Package{Type: TypeCargo, Name: "serde", Version: "1.0.197"}, nil, "pkg:cargo/serde@1.0.197"},
	}
	for _, tt := range tests {
		if got := PURL(tt.p, tt.os); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// TestFromPURLRoundTrip reads back every package URL PURL writes and
// checks the package and OS that matching needs come out as they went in.
func TestFromPURLRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		p  Package
		os *OS
	}{
		{Package{Type: TypeDeb, Name: "libc6", Version: "2.36-9+deb12u4", Arch: "amd64", SourceName: "glibc"}, &OS{Family: "debian", Version: "12"}},
		{Package{Type: TypeDeb, Name: "bsdutils", Version: "1:2.38.1-5+b1", Arch: "amd64", SourceName: "util-linux"}, &OS{Family: "debian", Version: "12"}},
		{Package{Type: TypeAPK, Name: "musl", Version: "1.2.5-r0", Arch: "x86_64"}, &OS{Family: "alpine", Version: "3.20.3"}},
		{Package{Type: TypeRPM, Name: "openssl-libs", Version: "1:3.0.7-27.el9", Arch: "x86_64", SourceName: "openssl"}, &OS{Family: "rhel", Version: "9.4"}},
		{Package{Type: TypeRPM, Name: "zypper", Version: "1.14.68-150400.3.52.1"}, &OS{Family: "opensuse-leap", Version: "15.5"}},
		{Package{Type: TypeGolang, Name: "github.com/google/uuid", Version: "v1.6.0"}, nil},
		{Package{Type: TypeNPM, Name: "@babel/core", Version: "7.24.0"}, nil},
		{Package{Type: TypeMaven, Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1"}, nil},
		{Package{Type: TypeComposer, Name: "symfony/console", Version: "v6.4.1"}, nil},
		{Package{Type: TypePyPI, Name: "flask-sqlalchemy", Version: "3.1.1"}, nil},
		{Package{Type: TypeNuGet, Name: "Newtonsoft.Json", Version: "13.0.1"}, nil},
	} {
		s := PURL(tt.p, tt.os)
		got, os, err := FromPURL(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		want := tt.p
		want.PURL, want.Layer = s, -1
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", s, got, want)
		}
		if (os == nil) != (tt.os == nil) || os != nil && *os != *tt.os {
			t.Errorf("%s: os %+v, want %+v", s, os, tt.os)
		}
	}
}

// TestFromPURLOthers reads package URLs as other tools write them.
func TestFromPURLOthers(t *testing.T) {
	for _, tt := range []struct {
		purl string
		want Package
		os   *OS
	}{
		// Trivy keeps a deb epoch in a qualifier; Syft in the version.
		{"pkg:deb/debian/zlib1g@1.2.13.dfsg-1%2Bdeb12u1?arch=amd64&distro=debian-12.15&epoch=1",
			Package{Type: TypeDeb, Name: "zlib1g", Version: "1:1.2.13.dfsg-1+deb12u1", Arch: "amd64"}, &OS{Family: "debian", Version: "12.15"}},
		{"pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1%2Bdeb12u1?arch=amd64&distro=debian-12.15&upstream=zlib",
			Package{Type: TypeDeb, Name: "zlib1g", Version: "1:1.2.13.dfsg-1+deb12u1", Arch: "amd64", SourceName: "zlib"}, &OS{Family: "debian", Version: "12.15"}},
		{"pkg:deb/debian/libc6@2.36-9%2Bdeb12u4%2Bb1?distro=debian-12&upstream=glibc%402.36-9%2Bdeb12u4",
			Package{Type: TypeDeb, Name: "libc6", Version: "2.36-9+deb12u4+b1", SourceName: "glibc", SourceVersion: "2.36-9+deb12u4"}, &OS{Family: "debian", Version: "12"}},
		{"pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&distro=redhat-9.4",
			Package{Type: TypeRPM, Name: "bash", Version: "5.1.8-9.el9", Arch: "x86_64"}, &OS{Family: "rhel", Version: "9.4"}},
		{"pkg:rpm/suse/zypper@1.14.68?distro=sles-15-SP5",
			Package{Type: TypeRPM, Name: "zypper", Version: "1.14.68"}, &OS{Family: "sles", Version: "15-SP5"}},
		{"pkg:apk/wolfi/glibc@2.40-r3?distro=wolfi",
			Package{Type: TypeAPK, Name: "glibc", Version: "2.40-r3"}, &OS{Family: "wolfi"}},
		// No distro: the family alone, whose release is unknown.
		{"pkg:deb/ubuntu/bash@5.1-6ubuntu1",
			Package{Type: TypeDeb, Name: "bash", Version: "5.1-6ubuntu1"}, &OS{Family: "ubuntu"}},
		{"pkg:golang/stdlib@1.26.8", Package{Type: TypeGolang, Name: "stdlib", Version: "1.26.8"}, nil},
		{"pkg:generic/openssl@3.0.1", Package{Type: "generic", Name: "openssl", Version: "3.0.1"}, nil},
		{"pkg:github/actions/checkout@v4", Package{Type: "github", Name: "actions/checkout", Version: "v4"}, nil},
	} {
		got, os, err := FromPURL(tt.purl)
		if err != nil {
			t.Fatalf("%s: %v", tt.purl, err)
		}
		tt.want.PURL, tt.want.Layer = tt.purl, -1
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.purl, got, tt.want)
		}
		if (os == nil) != (tt.os == nil) || os != nil && *os != *tt.os {
			t.Errorf("%s: os %+v, want %+v", tt.purl, os, tt.os)
		}
	}
	for _, bad := range []string{"", "deb/debian/x@1", "pkg:", "pkg:deb", "https://example.com/x"} {
		if _, _, err := FromPURL(bad); err == nil {
			t.Errorf("FromPURL(%q): no error", bad)
		}
	}
}
