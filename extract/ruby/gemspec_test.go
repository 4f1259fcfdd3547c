package ruby

import (
	"bufio"
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Gem names and versions as RubyGems accepts them (Gem::Specification's
// name check, Gem::Version::ANCHORED_VERSION_PATTERN), the reference for
// validName and validVersion.
var (
	gemNameRE    = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	gemVersionRE = regexp.MustCompile(`^[0-9]+(?:\.[0-9A-Za-z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)
)

func TestValidNameAndVersion(t *testing.T) {
	for _, s := range []string{"", "1", "1.0", "1.0.0.pre.2", "1.", ".1", "1..2", "1-", "1-a", "1-a.b-c", "1-a..b", "1-.a",
		"1.0-x86_64-linux", "a1", "1a", "1.a", "1.a-b", "1 0", "1.0\n", "x-y_z.w", "a/b", "1-a.", "13.0.6", "2.1.0.rc1"} {
		if got, want := validVersion(s), gemVersionRE.MatchString(s); got != want {
			t.Errorf("validVersion(%q) = %v, want %v", s, got, want)
		}
		if got, want := validName(s), gemNameRE.MatchString(s); got != want {
			t.Errorf("validName(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzValidVersion(f *testing.F) {
	f.Add("1.0.0-pre.1")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validVersion(s), gemVersionRE.MatchString(s); got != want {
			t.Errorf("validVersion(%q) = %v, want %v", s, got, want)
		}
		if got, want := validName(s), gemNameRE.MatchString(s); got != want {
			t.Errorf("validName(%q) = %v, want %v", s, got, want)
		}
	})
}

// gemspecFixtures lists every fixture gemspec, slash-separated and relative
// to testdata, sorted.
func gemspecFixtures(t testing.TB) []string {
	var files []string
	for _, root := range []string{"gemspecs", "handwritten"} {
		err := filepath.WalkDir(filepath.Join("testdata", root), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".gemspec") {
				rel, _ := filepath.Rel("testdata", p)
				files = append(files, filepath.ToSlash(rel))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(files)
	if len(files) < 100 {
		t.Fatalf("found %d fixture gemspecs, want the 100 or so in testdata", len(files))
	}
	return files
}

func parseFixture(t testing.TB, rel string) inventory.Package {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := ParseGemspec(data)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if len(pkgs) != 1 {
		t.Fatalf("%s: %d packages", rel, len(pkgs))
	}
	pkgs[0].Location = rel
	return pkgs[0]
}

func TestGemspecGolden(t *testing.T) {
	var pkgs []inventory.Package
	for _, rel := range gemspecFixtures(t) {
		pkgs = append(pkgs, parseFixture(t, rel))
	}
	golden.CheckJSON(t, "gemspecs.golden.json", pkgs, *update)
}

// TestGemspecAgreesWithRubyGems compares every fixture with RubyGems' own
// reading of it (Gem::Specification.load), recorded in
// testdata/gemspecs.rubygems.txt by testdata/gemspec-ref.rb.txt.
func TestGemspecAgreesWithRubyGems(t *testing.T) {
	f, err := os.Open("testdata/gemspecs.rubygems.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 5 {
			t.Fatalf("bad reference line %q", sc.Text())
		}
		rel, name, version, platform, licenses := fields[0], fields[1], fields[2], fields[3], fields[4]
		seen[rel] = true
		p := parseFixture(t, rel)
		if platform == "ruby" {
			platform = ""
		}
		got := strings.Join([]string{p.Name, p.Version, p.Arch, strings.Join(p.Licenses, ",")}, " | ")
		want := strings.Join([]string{name, version, platform, licenses}, " | ")
		if got != want {
			t.Errorf("%s:\n got  %s\n want %s", rel, got, want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, rel := range gemspecFixtures(t) {
		if !seen[rel] {
			t.Errorf("%s has no RubyGems reference line; rerun testdata/gemspec-ref.rb.txt", rel)
		}
	}
}

func TestGemspecForms(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // "name version arch licenses", or "error"
	}{
		{"generated", `Gem::Specification.new do |s|
  s.name = "rake".freeze
  s.version = "13.0.6"
  s.licenses = ["MIT".freeze]
end`, "rake 13.0.6  MIT"},
		{"single quotes and license", `Gem::Specification.new do |spec|
  spec.name = 'it''s'
  spec.name = 'thor'
  spec.version = '1.2.2'
  spec.license = 'MIT'
end`, "thor 1.2.2  MIT"},
		{"percent q", `Gem::Specification.new do |s|
  s.name = %q{rack}
  s.version = %q<1.2.1>
  s.licenses = %w(Ruby BSD-2-Clause)
end`, "rack 1.2.1  Ruby,BSD-2-Clause"},
		{"Gem::Version.new", `Gem::Specification.new do |s|
  s.name = "x".freeze
  s.version = Gem::Version.new("2.0.0.pre.1")
end`, "x 2.0.0.pre.1  "},
		{"platform", `Gem::Specification.new do |s|
  s.name = "nokogiri".freeze
  s.version = "1.15.4"
  s.platform = "x86_64-linux".freeze
end`, "nokogiri 1.15.4 x86_64-linux "},
		{"ruby platform is no arch", `Gem::Specification.new do |s|
  s.name = "a"; s.version = "1"
  s.version = "1.0"
  s.platform = "ruby"
end`, "a 1.0  "},
		{"escapes in licenses", `Gem::Specification.new do |s|
  s.name = "a"
  s.version = "1"
  s.licenses = ["A\u00e9\x41\101\"\\".freeze, "".freeze,
    "B\u{20 43}"]
end`, "a 1  Aé" + "AA\"\\,B C"},
		{"multi-line description is skipped whole", `Gem::Specification.new do |s|
  s.name = "real"
  s.description = %q{Text that looks like code:
  s.name = "fake"
  s.version = "9.9.9"
}
  s.version = "1.0"
end`, "real 1.0  "},
		{"heredoc is skipped", `Gem::Specification.new do |s|
  s.name = "real"
  s.description = <<~EOS
    s.version = "9.9.9"
  EOS
  s.version = "1.0"
end`, "real 1.0  "},
		{"block comment is skipped", `Gem::Specification.new do |s|
=begin
  s.name = "fake"
=end
  s.name = "real"
  s.version = "1.0"
end`, "real 1.0  "},
		{"other receivers are ignored", `Gem::Specification.new do |s|
  s.name = "real"
  other.version = "9.9.9"
  s.version = "1.0"
  s.version == "2.0"
end`, "real 1.0  "},
		{"CRLF", "Gem::Specification.new do |s|\r\n  s.name = \"a\".freeze\r\n  s.version = \"1.0\"\r\nend\r\n", "a 1.0  "},
		{"no name", `Gem::Specification.new do |s|
  s.version = "1.0"
end`, "error"},
		{"no version", `Gem::Specification.new do |s|
  s.name = "a"
end`, "error"},
		{"computed version", `Gem::Specification.new do |s|
  s.name = "a"
  s.version = A::VERSION
end`, "error"},
		{"interpolated name", `Gem::Specification.new do |s|
  s.name = "a#{x}"
  s.version = "1"
end`, "error"},
		{"invalid version", `Gem::Specification.new do |s|
  s.name = "a"
  s.version = "1.0 beta"
end`, "error"},
		{"invalid name", `Gem::Specification.new do |s|
  s.name = "a b"
  s.version = "1"
end`, "error"},
		{"unterminated", `Gem::Specification.new do |s|
  s.name = "a`, "error"},
		{"empty", ``, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := ParseGemspec([]byte(tt.in))
			var got string
			if err != nil {
				got = "error"
			} else {
				p := pkgs[0]
				got = strings.Join([]string{p.Name, p.Version, p.Arch, strings.Join(p.Licenses, ",")}, " ")
				if p.Type != inventory.TypeGem || p.Layer != -1 {
					t.Errorf("type %q layer %d", p.Type, p.Layer)
				}
			}
			if got != tt.want {
				t.Errorf("got %q, want %q (err %v)", got, tt.want, err)
			}
		})
	}
}

func TestGemspecRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec", true},
		{"usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec", true},
		{"usr/local/bundle/specifications/nokogiri-1.15.4-x86_64-linux.gemspec", true},
		{"usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec", true},
		{"specifications/a-1.gemspec", true},
		{"usr/local/bundle/gems/rake-13.0.6/rake.gemspec", false},
		{"var/lib/gems/3.1.0/bundler/gems/hello_git-20743cacd4f4/hello_git.gemspec", false},
		{"srv/app/myapp.gemspec", false},
		{"usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec.bak", false},
		{"usr/lib/ruby/gems/3.1.0/specifications/default/x/a-1.gemspec", false},
	}
	for _, tt := range tests {
		if got := (GemspecExtractor{}).Required(extract.File{Path: tt.path, Mode: 0o644}); got != tt.want {
			t.Errorf("Required(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if (GemspecExtractor{}).Required(extract.File{Path: tests[0].path, Mode: fs.ModeSymlink}) {
		t.Error("Required accepts a symlink")
	}
}

func TestGemspecExtract(t *testing.T) {
	const rel = "usr/lib/x86_64-linux-gnu/rubygems-integration/3.1.0/specifications/nokogiri-1.13.10.gemspec"
	f, err := os.Open("testdata/gemspecs/" + rel)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := (GemspecExtractor{}).Extract(context.Background(), extract.Input{File: extract.File{Path: rel}, Content: f})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 1 || res.Packages[0].Location != rel || res.Packages[0].Name != "nokogiri" {
		t.Errorf("got %+v", res.Packages)
	}
	_, err = (GemspecExtractor{}).Extract(context.Background(), extract.Input{File: extract.File{Path: "x/specifications/bad.gemspec"}, Content: strings.NewReader("junk")})
	if err == nil || !strings.Contains(err.Error(), "gemspec: x/specifications/bad.gemspec:") {
		t.Errorf("error %v does not name the extractor and file", err)
	}
}

// TestGemspecMalformed feeds truncations, junk and one huge line: each must
// return (an error or a package) without panicking, quickly.
func TestGemspecMalformed(t *testing.T) {
	data, err := os.ReadFile("testdata/gemspecs/usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec")
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		if pkgs, err := ParseGemspec(data[:i]); err == nil && (pkgs[0].Name != "rack" || pkgs[0].Version == "") {
			t.Fatalf("prefix %d: %+v", i, pkgs)
		}
	}
	for name, in := range malformedInputs() {
		if _, err := ParseGemspec(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A huge description is skipped, not an error.
	huge := "Gem::Specification.new do |s|\n  s.name = \"a\"\n  s.description = \"" + strings.Repeat("x", 10<<20) + "\"\n  s.version = \"1\"\nend\n"
	if pkgs, err := ParseGemspec([]byte(huge)); err != nil || pkgs[0].Version != "1" {
		t.Errorf("huge description: %v %+v", err, pkgs)
	}
}

// malformedInputs are inputs no parser in this package may accept.
func malformedInputs() map[string][]byte {
	junk := make([]byte, 64<<10)
	x := uint32(2463534242)
	for i := range junk {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		junk[i] = byte(x)
	}
	return map[string][]byte{
		"binary junk":      junk,
		"10 MB line":       []byte(strings.Repeat("s.name = \"", 1<<20)),
		"10 MB open quote": append([]byte("s.name = \""), make([]byte, 10<<20)...),
		"NUL bytes":        make([]byte, 4096),
		"json":             []byte(`{"name": "rake", "version": "13.0.6"}`),
	}
}

func FuzzParseGemspec(f *testing.F) {
	for _, rel := range gemspecFixtures(f)[:20] {
		data, err := os.ReadFile(filepath.Join("testdata", rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Gem::Specification.new do |s|\n s.name = %q(a(b)c)\n s.version = Gem::Version.new(\"1\")\n s.licenses = %w[A B]\nend"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseGemspec(data)
		if err != nil {
			return
		}
		if len(pkgs) != 1 || !gemNameRE.MatchString(pkgs[0].Name) || !gemVersionRE.MatchString(pkgs[0].Version) {
			t.Fatalf("bad package %+v", pkgs)
		}
	})
}

func BenchmarkParseGemspec(b *testing.B) {
	data, err := os.ReadFile("testdata/gemspecs/usr/lib/ruby/gems/3.1.0/specifications/default/bundler-2.3.27.gemspec")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseGemspec(data); err != nil {
			b.Fatal(err)
		}
	}
}
