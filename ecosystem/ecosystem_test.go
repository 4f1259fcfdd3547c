package ecosystem

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestTableComplete checks every row has what the stages read, that keys
// are unique, that distribution fields are set on distributions only, and
// that rows sharing a package type agree on the fields of that type.
func TestTableComplete(t *testing.T) {
	seenOSV := map[string]bool{}
	family := map[string]string{}
	first := map[string]Descriptor{}
	for _, d := range All() {
		switch {
		case d.OSV == "" || strings.Contains(d.OSV, ":"):
			t.Errorf("%+v: OSV must be a base ecosystem name", d)
		case d.PackageType == "":
			t.Errorf("%s: no package type", d.OSV)
		case d.PURLType == "":
			t.Errorf("%s: no purl type", d.OSV)
		case d.Compare == nil:
			t.Errorf("%s: no version comparator", d.OSV)
		case seenOSV[d.OSV]:
			t.Errorf("%s: two rows", d.OSV)
		}
		seenOSV[d.OSV] = true
		if d.Distro() != (d.releases != nil) {
			t.Errorf("%s: families %v but release rule set: %v", d.OSV, d.Families, d.releases != nil)
		}
		if !d.Distro() && (d.BySource || d.PURLNamespace != "" || d.PURLEpoch) {
			t.Errorf("%s: distribution fields on a language ecosystem", d.OSV)
		}
		for _, f := range d.Families {
			if other, ok := family[f]; ok {
				t.Errorf("family %s: in %s and %s", f, other, d.OSV)
			}
			family[f] = d.OSV
		}
		if p, ok := first[d.PackageType]; ok {
			if got, want := typeFields(d), typeFields(p); got != want {
				t.Errorf("%s and %s share package type %s but not its fields:\n%+v\n%+v", p.OSV, d.OSV, d.PackageType, want, got)
			}
		} else {
			first[d.PackageType] = d
		}
	}
}

// fields are what rows of one package type must agree on.
type fields struct {
	PURLType, PURLNamespace, VersionPrefix string
	PURLEpoch, BySource, Distro            bool
	Compare, PURLName                      uintptr
}

func typeFields(d Descriptor) fields {
	return fields{
		d.PURLType, d.PURLNamespace, d.VersionPrefix,
		d.PURLEpoch, d.BySource, d.Distro(),
		funcPointer(d.Compare), funcPointer(d.PURLName),
	}
}

// funcPointer identifies a function by its code, 0 for nil.
func funcPointer(f any) uintptr {
	v := reflect.ValueOf(f)
	if v.IsNil() {
		return 0
	}
	return v.Pointer()
}

func TestLookups(t *testing.T) {
	for _, tt := range []struct {
		got  func() (Descriptor, bool)
		want string
	}{
		{func() (Descriptor, bool) { return ByPackageType(TypeDeb) }, "Debian"},
		{func() (Descriptor, bool) { return ByPackageType(TypeAPK) }, "Alpine"},
		{func() (Descriptor, bool) { return ByPackageType(TypeRPM) }, "Red Hat"},
		{func() (Descriptor, bool) { return ByPackageType(TypePyPI) }, "PyPI"},
		{func() (Descriptor, bool) { return ByPackageType("swift") }, ""},
		{func() (Descriptor, bool) { return ByOSV("crates.io") }, "crates.io"},
		{func() (Descriptor, bool) { return ByOSV("Debian:12") }, ""},
		{func() (Descriptor, bool) { return ByOSV("debian") }, ""},
		{func() (Descriptor, bool) { return ByFamily("centos") }, "Red Hat"},
		{func() (Descriptor, bool) { return ByFamily("sles_sap") }, "SUSE"},
		{func() (Descriptor, bool) { return ByFamily("amzn") }, ""},
		{func() (Descriptor, bool) { return ByPURLType("deb") }, "Debian"},
		{func() (Descriptor, bool) { return ByPURLType("golang") }, "Go"},
		{func() (Descriptor, bool) { return ByPURLType("composer") }, "Packagist"},
		{func() (Descriptor, bool) { return ByPURLType("generic") }, ""},
	} {
		d, ok := tt.got()
		if d.OSV != tt.want || ok != (tt.want != "") {
			t.Errorf("got %q %v, want %q", d.OSV, ok, tt.want)
		}
	}
}

// TestPackageName checks that PackageName undoes PURLName for names of
// every shape a purl type splits, so a package read back from an SBOM has
// the name its extractor gave it.
func TestPackageName(t *testing.T) {
	for _, tt := range []struct{ typ, name string }{
		{TypeGolang, "github.com/google/uuid"},
		{TypeGolang, "stdlib"},
		{TypeNPM, "@babel/core"},
		{TypeNPM, "lodash"},
		{TypeMaven, "org.apache.logging.log4j:log4j-core"},
		{TypeComposer, "symfony/console"},
		{TypePyPI, "flask-sqlalchemy"},
		{TypeCargo, "serde"},
		{TypeDeb, "libc6"},
	} {
		d, ok := ByPackageType(tt.typ)
		if !ok {
			t.Fatalf("%s: no row", tt.typ)
		}
		ns, name := "", tt.name
		if d.PURLName != nil {
			ns, name = d.PURLName(tt.name)
		}
		if got := d.PackageName(ns, name); got != tt.name {
			t.Errorf("%s: PackageName(%q, %q) = %q, want %q", tt.typ, ns, name, got, tt.name)
		}
	}
	for _, d := range All() {
		if (d.PURLName == nil) == (d.purlJoin != "") && d.OSV != "PyPI" {
			t.Errorf("%s: PURLName and purlJoin must be set together", d.OSV)
		}
	}
}

// TestDefaults checks the download list is the table's Default rows in
// order, and still holds the ecosystems Bulwark has always downloaded, in
// the order it always has.
func TestDefaults(t *testing.T) {
	var want []string
	for _, d := range All() {
		if d.Default {
			want = append(want, d.OSV)
		}
	}
	got := Defaults()
	if !slices.Equal(got, want) {
		t.Errorf("Defaults() = %q, want %q", got, want)
	}
	always := []string{
		"Debian", "Ubuntu", "Alpine", "Wolfi", "Chainguard",
		"Red Hat", "Rocky Linux", "AlmaLinux", "SUSE", "openSUSE",
		"Go", "npm", "PyPI", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist",
	}
	i := 0
	for _, e := range got {
		if i < len(always) && e == always[i] {
			i++
		}
	}
	if i != len(always) {
		t.Errorf("Defaults() = %q, lost %q or its place", got, always[i])
	}
}

func TestReleases(t *testing.T) {
	known := map[string][]string{
		"Ubuntu":  {"Ubuntu:20.04:LTS", "Ubuntu:22.04:LTS", "Ubuntu:Pro:22.04:LTS", "Ubuntu:23.10"},
		"Red Hat": {"Red Hat:enterprise_linux:8::appstream", "Red Hat:enterprise_linux:9::appstream", "Red Hat:enterprise_linux:9::baseos"},
		"SUSE":    {"SUSE:Linux Enterprise Server 15 SP4", "SUSE:Linux Enterprise Server 15 SP5", "SUSE:Linux Enterprise Server 15"},
	}
	for _, tt := range []struct {
		family, version string
		want            string
	}{
		{"debian", "12", "Debian:12"},
		{"debian", "12.7", "Debian:12"},
		{"debian", "", ""}, // testing/sid
		{"ubuntu", "22.04", "Ubuntu:22.04:LTS"},
		{"ubuntu", "23.10", "Ubuntu:23.10"},
		{"ubuntu", "22", ""},
		{"alpine", "3.20.3", "Alpine:v3.20"},
		{"alpine", "3", ""},
		{"wolfi", "20230201", "Wolfi"},
		{"chainguard", "", "Chainguard"},
		{"rhel", "9.4", "Red Hat:enterprise_linux:9::appstream Red Hat:enterprise_linux:9::baseos"},
		{"centos", "8", "Red Hat:enterprise_linux:8::appstream"},
		{"rocky", "9.4", "Rocky Linux:9"},
		{"rocky", "", ""},
		{"almalinux", "8.10", "AlmaLinux:8"},
		{"sles", "15-SP5", "SUSE:Linux Enterprise Server 15 SP5"},
		{"sles", "15.4", "SUSE:Linux Enterprise Server 15 SP4"},
		{"sles", "15", "SUSE:Linux Enterprise Server 15"},
		{"opensuse-leap", "15.5", "openSUSE:Leap 15.5"},
	} {
		d, ok := ByFamily(tt.family)
		if !ok {
			t.Errorf("%s: no row", tt.family)
			continue
		}
		got := d.Releases(tt.version, func() []string { return known[d.OSV] })
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s %s: got %q, want %q", tt.family, tt.version, got, tt.want)
		}
	}
	d, _ := ByOSV("Go")
	if got := d.Releases("1", nil); got != nil {
		t.Errorf("Go releases = %q, want none", got)
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct {
		osv, name, normal, namespace, purlName string
	}{
		{"PyPI", "Flask_SQLAlchemy", "flask-sqlalchemy", "", "flask-sqlalchemy"},
		{"PyPI", "zope.interface", "zope-interface", "", "zope-interface"},
		{"PyPI", "a__-.b", "a-b", "", "a-b"},
		{"PyPI", "_x_", "x", "", "x"},
		{"NuGet", "Newtonsoft.Json", "newtonsoft.json", "", "Newtonsoft.Json"},
		{"Packagist", "Symfony/Console", "symfony/console", "Symfony", "Console"},
		{"Packagist", "monolog", "monolog", "", "monolog"},
		{"Maven", "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j", "log4j-core"},
		{"Go", "github.com/google/uuid", "github.com/google/uuid", "github.com/google", "uuid"},
		{"Go", "stdlib", "stdlib", "", "stdlib"},
		{"npm", "@babel/core", "@babel/core", "@babel", "core"},
		{"npm", "@scope", "@scope", "", "@scope"},
		{"npm", "Lodash", "Lodash", "", "Lodash"},
		{"crates.io", "Serde", "Serde", "", "Serde"},
	} {
		d, _ := ByOSV(tt.osv)
		normal, namespace, name := tt.name, "", tt.name
		if d.Normalize != nil {
			normal = d.Normalize(tt.name)
		}
		if d.PURLName != nil {
			namespace, name = d.PURLName(tt.name)
		}
		if normal != tt.normal || namespace != tt.namespace || name != tt.purlName {
			t.Errorf("%s %q: normal %q, purl %q %q; want %q, %q %q", tt.osv, tt.name, normal, namespace, name, tt.normal, tt.namespace, tt.purlName)
		}
	}
}
