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
		{"unknown type", Package{Type: "npm", Name: "a", Version: "1"}, nil, ""},
	}
	for _, tt := range tests {
		if got := PURL(tt.p, tt.os); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
