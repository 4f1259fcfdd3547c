package inventory

import "testing"

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
