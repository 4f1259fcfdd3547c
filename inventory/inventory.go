// Package inventory holds the types every stage of a scan shares: the
// packages found in an image, the operating system it is built on, and the
// layers they came from.
package inventory

import "github.com/bulwark-sec/bulwark/ecosystem"

// Layer identifies one layer of an image. Index counts from 0 at the base.
type Layer struct {
	Index  int    `json:"index"`
	DiffID string `json:"diffID,omitempty"` // sha256 of the uncompressed tar; empty for a rootfs
	Digest string `json:"digest,omitempty"` // digest of the stored blob, when known without reading it
	Size   int64  `json:"size,omitempty"`   // bytes of the stored blob, when known
	// CreatedBy is the history command that produced the layer, when the
	// image config records it.
	CreatedBy string `json:"createdBy,omitempty"`
}

// Package types, as used in package URLs (https://github.com/package-url/purl-spec).
// They are declared with their ecosystems in package ecosystem, whose
// table says what each means to every stage of a scan.
const (
	TypeDeb = ecosystem.TypeDeb
	TypeAPK = ecosystem.TypeAPK
	TypeRPM = ecosystem.TypeRPM

	TypeGolang   = ecosystem.TypeGolang
	TypeNPM      = ecosystem.TypeNPM
	TypePyPI     = ecosystem.TypePyPI
	TypeMaven    = ecosystem.TypeMaven
	TypeGem      = ecosystem.TypeGem
	TypeCargo    = ecosystem.TypeCargo
	TypeComposer = ecosystem.TypeComposer
	TypeNuGet    = ecosystem.TypeNuGet
)

// Dependency kinds, where the source says which.
const (
	DependencyDirect     = "direct"
	DependencyTransitive = "transitive"
)

// Package is one installed software package.
type Package struct {
	Type    string `json:"type"` // purl type: deb, apk, rpm, ...
	Name    string `json:"name"`
	Version string `json:"version"` // as the ecosystem writes it; for rpm "[epoch:]version-release"
	// SourceName and SourceVersion name the source package the binary was
	// built from (dpkg Source, apk origin, rpm source rpm). Distro advisories
	// are keyed by source package.
	SourceName    string `json:"sourceName,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
	Arch          string `json:"arch,omitempty"`
	// Platform is GOOS/GOARCH of the Go binary the package was linked
	// into ("linux/amd64"), from its build settings: some Go advisories
	// hold only on some platforms.
	Platform   string   `json:"platform,omitempty"`
	Licenses   []string `json:"licenses,omitempty"`
	Maintainer string   `json:"maintainer,omitempty"`
	PURL       string   `json:"purl,omitempty"`
	// Location is the slash-separated path, relative to the image root, of
	// the file the package was read from (for example var/lib/dpkg/status).
	Location string `json:"location"`
	// Dependency is DependencyDirect or DependencyTransitive when the file
	// the package came from says which (lockfiles, Go build info).
	Dependency string `json:"dependency,omitempty"`
	// Layer is the index into Inventory.Layers of the layer that introduced
	// this version of the package; -1 when unknown.
	Layer int `json:"layer"`
}

// OS describes the operating system an image is built on.
type OS struct {
	// Family is the distribution's os-release ID, lower case: debian,
	// ubuntu, alpine, wolfi, chainguard, rhel, centos, rocky, almalinux,
	// fedora, amzn, sles, opensuse-leap, photon, ...
	Family     string `json:"family"`
	Name       string `json:"name,omitempty"`    // PRETTY_NAME or NAME
	Version    string `json:"version,omitempty"` // VERSION_ID, or the release file's version
	Codename   string `json:"codename,omitempty"`
	Distroless bool   `json:"distroless,omitempty"`
	// Source is the file the family and version were read from.
	Source string `json:"source,omitempty"`
}

// Inventory is everything a scan learned about an image's contents.
type Inventory struct {
	OS       *OS       `json:"os,omitempty"`
	Packages []Package `json:"packages"`
	Layers   []Layer   `json:"layers"`
}
