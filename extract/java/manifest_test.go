package java

import (
	"archive/zip"
	"bytes"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	in := "# comment\n" +
		"! also a comment\n" +
		"groupId=org.example\r\n" +
		"artifactId : my-lib\n" +
		"version 1.0\n" +
		"  spaced   =   value  \n" +
		"multi=one, \\\n" +
		"      two\n" +
		"esc\\=aped\\:key=a\\tb\\u0041\\\\\n" +
		"empty=\n" +
		"bare\n" +
		"groupId=org.example.later\n" +
		"colon:=x\n"
	want := map[string]string{
		"groupId":      "org.example.later",
		"artifactId":   "my-lib",
		"version":      "1.0",
		"spaced":       "value  ",
		"multi":        "one, two",
		"esc=aped:key": "a\tbA\\",
		"empty":        "",
		"bare":         "",
		"colon":        "=x",
	}
	if got := ParseProperties([]byte(in)); !maps.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestRealPomProperties reads every pom.properties in the test war and the
// jars in it.
func TestRealPomProperties(t *testing.T) {
	var got []string
	var walk func(data []byte)
	walk = func(data []byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			switch {
			case strings.HasSuffix(f.Name, "pom.properties"):
				p := ParseProperties(b)
				got = append(got, p["groupId"]+":"+p["artifactId"]+":"+p["version"])
			case strings.HasSuffix(f.Name, ".jar"):
				walk(b)
			}
		}
	}
	walk(readWar(t))
	slices.Sort(got)
	want := []string{
		"com.example:demo-webapp:0.3.1",
		"com.fasterxml.jackson.core:jackson-annotations:2.14.0",
		"com.google.errorprone:error_prone_type_annotations:2.18.0",
		"org.apache.geronimo.specs:geronimo-annotation_1.3_spec:1.3",
		"org.slf4j:slf4j-api:1.7.32",
		"org.slf4j:slf4j-nop:1.7.32",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q", got)
	}
}

func TestParseManifest(t *testing.T) {
	in := "\r\nManifest-Version: 1.0\r\n" +
		"Bundle-Description: Core annotations used for value types, used by Jac\r\n" +
		" kson data binding package.\r\n" +
		"bundle-symbolicname: com.fasterxml.jackson.core.jackson-annotations\r\n" +
		"NoSpace:x\r\n" +
		"not a header\r\n" +
		"\r\n" +
		"Name: com/example/A.class\r\n" +
		"SHA-256-Digest: abc=\r\n"
	m := ParseManifest([]byte(in))
	want := Manifest{
		"manifest-version":    "1.0",
		"bundle-description":  "Core annotations used for value types, used by Jackson data binding package.",
		"bundle-symbolicname": "com.fasterxml.jackson.core.jackson-annotations",
		"nospace":             "x",
	}
	if !maps.Equal(m, want) {
		t.Errorf("got  %q\nwant %q", m, want)
	}
	if got := m.Get("Bundle-SymbolicName"); got != "com.fasterxml.jackson.core.jackson-annotations" {
		t.Errorf("Get = %q", got)
	}
}

func TestSplitFileName(t *testing.T) {
	tests := map[string][2]string{
		"commons-lang3-3.12.0.jar":             {"commons-lang3", "3.12.0"},
		"guava-31.1-jre.jar":                   {"guava", "31.1-jre"},
		"jackson-databind-2.14.0-rc1.jar":      {"jackson-databind", "2.14.0-rc1"},
		"netty-codec-http2-4.1.86.Final.jar":   {"netty-codec-http2", "4.1.86.Final"},
		"bcprov-jdk15on-1.70.jar":              {"bcprov-jdk15on", "1.70"},
		"spring-core-6.0.0-SNAPSHOT.jar":       {"spring-core", "6.0.0-SNAPSHOT"},
		"app.jar":                              {"app", ""},
		"commons-lang3.jar":                    {"commons-lang3", ""},
		"-1.0.jar":                             {"-1.0", ""},
		"x":                                    {"x", ""},
		"":                                     {"", ""},
		"log4j-1.2-api-2.19.0.jar":             {"log4j", "1.2-api-2.19.0"}, // the convention's known blind spot
		"aws-java-sdk-s3-1.12.261.jar":         {"aws-java-sdk-s3", "1.12.261"},
		"geronimo-annotation_1.3_spec-1.3.jar": {"geronimo-annotation_1.3_spec", "1.3"},
		"jakarta.annotation-api-2.1.1.jar":     {"jakarta.annotation-api", "2.1.1"},
		"listenablefuture-9999.0-empty-to-avoid-conflict-with-guava.jar": {"listenablefuture", "9999.0-empty-to-avoid-conflict-with-guava"},
	}
	for in, want := range tests {
		a, v := splitFileName(in)
		if a != want[0] || v != want[1] {
			t.Errorf("splitFileName(%q) = %q, %q, want %q", in, a, v, want)
		}
	}
}

func TestBundleLicenses(t *testing.T) {
	tests := map[string][]string{
		"":             nil,
		"<<EXTERNAL>>": nil,
		"Apache-2.0":   {"Apache-2.0"},
		"https://www.apache.org/licenses/LICENSE-2.0.txt":                                                         {"https://www.apache.org/licenses/LICENSE-2.0.txt"},
		"EPL-2.0, GPL-2.0-with-classpath-exception":                                                               {"EPL-2.0", "GPL-2.0-with-classpath-exception"},
		`Apache-2.0;link="https://www.apache.org/licenses/LICENSE-2.0";description="Apache License, Version 2.0"`: {"Apache-2.0"},
		"Apache License, Version 2.0":                                                                             {"Apache License, Version 2.0"},
		"Apache License, Version 2.0;link=x":                                                                      {"Apache License, Version 2.0"},
		`"MIT"`:                                                                                                   {"MIT"},
	}
	for in, want := range tests {
		if got := bundleLicenses(in); !slices.Equal(got, want) {
			t.Errorf("bundleLicenses(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestIdentify covers naming an archive from its metadata, using the main
// sections of real manifests from Debian's /usr/share/java.
func TestIdentify(t *testing.T) {
	const (
		guiceMultibindings = "Manifest-Version: 1.0\nBundle-License: http://www.apache.org/licenses/LICENSE-2.0.txt\nBundle-Name: guice-multibindings\nBundle-SymbolicName: com.google.inject\nBundle-Vendor: Google, Inc.\nBundle-Version: 4.2.3\nFragment-Host: com.google.inject\n"
		hamcrest           = "Manifest-Version: 1.0\nImplementation-Title: hamcrest\nImplementation-Vendor: hamcrest.org\nBundle-Name: hamcrest\nBundle-Version: 2.2\nImplementation-Version: 2.2\nAutomatic-Module-Name: org.hamcrest\nBundle-SymbolicName: org.hamcrest\n"
		jacksonAnnotations = "Manifest-Version: 1.0\nBundle-License: https://www.apache.org/licenses/LICENSE-2.0.txt\nBundle-SymbolicName: com.fasterxml.jackson.core.jackson-annotations\nBundle-Version: 2.14.0\n"
		geronimo           = "Bundle-SymbolicName: org.apache.geronimo.specs.geronimo-annotation_1.3\n _spec;singleton=true\nBundle-Version: 1.3.0\nSpecification-Title: JSR-250 Common Annotations 1.3\nSpecification-Version: 1.3\n"
		mavenSlf4jProvider = "Specification-Title: Maven SLF4J Simple Provider\nSpecification-Version: 3.8\nImplementation-Title: Maven SLF4J Simple Provider\nImplementation-Version: 3.8.7\n"
		unresolved         = "Implementation-Title: app\nImplementation-Version: ${project.version}\n"
	)
	tests := []struct {
		name, manifest, file string
		props                []coords
		want                 []coords
	}{
		{"bsn is no group", guiceMultibindings, "guice-multibindings-4.2.3.jar", nil,
			[]coords{{artifact: "guice-multibindings", version: "4.2.3", licenses: []string{"http://www.apache.org/licenses/LICENSE-2.0.txt"}}}},
		{"bsn is the group", hamcrest, "hamcrest.jar", nil,
			[]coords{{group: "org.hamcrest", artifact: "hamcrest", version: "2.2"}}},
		{"bsn is group.artifact", jacksonAnnotations, "jackson-annotations-2.14.0.jar", nil,
			[]coords{{group: "com.fasterxml.jackson.core", artifact: "jackson-annotations", version: "2.14.0", licenses: []string{"https://www.apache.org/licenses/LICENSE-2.0.txt"}}}},
		{"file name version before bundle version", geronimo, "geronimo-annotation_1.3_spec-1.3.jar", nil,
			[]coords{{group: "org.apache.geronimo.specs", artifact: "geronimo-annotation_1.3_spec", version: "1.3"}}},
		{"bundle version without file version", geronimo, "geronimo-annotation_1.3_spec.jar", nil,
			[]coords{{group: "org.apache.geronimo.specs", artifact: "geronimo-annotation_1.3_spec", version: "1.3.0"}}},
		{"props matched by version", mavenSlf4jProvider, "maven3-slf4j-provider.jar",
			[]coords{{group: "org.apache.maven", artifact: "maven-slf4j-provider", version: "3.8.7"}, {group: "org.slf4j", artifact: "slf4j-simple", version: "1.7.32"}},
			[]coords{{group: "org.apache.maven", artifact: "maven-slf4j-provider", version: "3.8.7"}, {group: "org.slf4j", artifact: "slf4j-simple", version: "1.7.32"}}},
		{"single props of a renamed jar gets the license", "Bundle-License: MIT\n", "app.jar",
			[]coords{{group: "com.example", artifact: "service", version: "1.0"}},
			[]coords{{group: "com.example", artifact: "service", version: "1.0", licenses: []string{"MIT"}}}},
		{"props matched by file name", jacksonAnnotations, "jackson-annotations-2.14.0.jar",
			[]coords{{group: "x", artifact: "shaded", version: "1"}, {group: "com.fasterxml.jackson.core", artifact: "jackson-annotations", version: "2.14.0"}},
			[]coords{{group: "x", artifact: "shaded", version: "1"}, {group: "com.fasterxml.jackson.core", artifact: "jackson-annotations", version: "2.14.0", licenses: []string{"https://www.apache.org/licenses/LICENSE-2.0.txt"}}}},
		{"unresolved manifest version", unresolved, "app.jar", nil, nil},
		{"vendor id as group", "Implementation-Vendor-Id: com.example\nImplementation-Version: 2.0\n", "lib.jar", nil,
			[]coords{{group: "com.example", artifact: "lib", version: "2.0"}}},
		{"the ASF's vendor id is no group", "Implementation-Vendor-Id: org.apache\nImplementation-Version: 2.0\n", "lib.jar", nil,
			[]coords{{artifact: "lib", version: "2.0"}}},
		{"empty", "", "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := identify(tt.props, ParseManifest([]byte(tt.manifest)), tt.file)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseProperties(f *testing.F) {
	f.Add([]byte("#Created by Apache Maven 3.6.3\ngroupId=org.slf4j\nartifactId=slf4j-api\nversion=1.7.32\n"))
	f.Add([]byte("a\\\n  b = c\\u00e9\\\nd\\"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for k := range ParseProperties(data) {
			if strings.ContainsAny(k, "\n\r") && !strings.Contains(string(data), "\\") {
				t.Fatalf("key %q spans lines", k)
			}
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte("Manifest-Version: 1.0\r\nBundle-Description: a\r\n b\r\n\r\nName: x\r\n"))
	f.Add([]byte(" continued first\n:\n: x\nA: b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := ParseManifest(data)
		for k := range m {
			if k != strings.ToLower(k) {
				t.Fatalf("key %q not lower case", k)
			}
		}
		c, _ := fromManifest(m, "x-1.0.jar")
		if c.version != "" && !isIdentifier(c.version) {
			t.Fatalf("bad version %q", c.version)
		}
		identify([]coords{{group: "g", artifact: "a", version: "1"}}, m, "a.jar")
	})
}
