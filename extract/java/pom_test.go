package java

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
)

var poms = []string{"commons-lang3-3.12.0", "slf4j-parent-1.7.32", "slf4j-ext-1.7.32"}

func TestPomGolden(t *testing.T) {
	for _, name := range poms {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + name + ".pom.xml")
			if err != nil {
				t.Fatal(err)
			}
			pkgs, err := ParsePom(data)
			if err != nil {
				t.Fatal(err)
			}
			golden.CheckJSON(t, name+".pom.golden.json", pkgs, *update)
		})
	}
}

func TestPomExtract(t *testing.T) {
	data, _ := os.ReadFile("testdata/slf4j-ext-1.7.32.pom.xml")
	in := extract.Input{File: extract.File{Path: "src/slf4j/slf4j-ext/pom.xml", Mode: 0o644}, Content: strings.NewReader(string(data))}
	res, err := PomExtractor{}.Extract(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) == 0 || res.Packages[0].Location != "src/slf4j/slf4j-ext/pom.xml" {
		t.Errorf("packages %+v", res.Packages)
	}
	in.Content = strings.NewReader("<project><dependencies>")
	if _, err := (PomExtractor{}).Extract(context.Background(), in); err == nil || !strings.HasPrefix(err.Error(), "maven-pom: src/slf4j/slf4j-ext/pom.xml: ") {
		t.Errorf("err = %v", err)
	}
}

func TestPomResolution(t *testing.T) {
	tests := []struct {
		name, pom, want string
	}{{
		name: "properties, project and parent references",
		pom: `<project>
  <parent><groupId>org.example</groupId><artifactId>parent</artifactId><version>7</version></parent>
  <artifactId>app</artifactId>
  <version>${revision}${changelist}</version>
  <properties>
    <revision>1.4.0</revision>
    <changelist>-SNAPSHOT</changelist>
    <jackson.version>2.15.2</jackson.version>
    <jackson-bom.version>${jackson.version}</jackson-bom.version>
  </properties>
  <dependencies>
    <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>${jackson-bom.version}</version></dependency>
    <dependency><groupId>${project.groupId}</groupId><artifactId>app-core</artifactId><version>${project.version}</version></dependency>
    <dependency><groupId>org.example</groupId><artifactId>parent-tools</artifactId><version>${project.parent.version}</version></dependency>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version> 4.13.2 </version><scope>test</scope></dependency>
    <dependency><groupId>org.example</groupId><artifactId>managed</artifactId></dependency>
    <dependency><groupId>org.example</groupId><artifactId>managed-by-parent</artifactId></dependency>
    <dependency><groupId>org.example</groupId><artifactId>unknown</artifactId><version>${not.defined}</version></dependency>
    <dependency><groupId>org.example</groupId><artifactId>ranged</artifactId><version>[1.0,2.0)</version></dependency>
    <dependency><groupId>org.example</groupId><artifactId>ranged</artifactId><version>(,1.0]</version></dependency>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><classifier>x</classifier></dependency>
  </dependencies>
  <dependencyManagement><dependencies>
    <dependency><groupId>org.example</groupId><artifactId>managed</artifactId><version>${revision}</version></dependency>
  </dependencies></dependencyManagement>
  <build><plugins><plugin><dependencies>
    <dependency><groupId>org.example</groupId><artifactId>plugin-dep</artifactId><version>1</version></dependency>
  </dependencies></plugin></plugins></build>
  <profiles><profile><dependencies>
    <dependency><groupId>org.example</groupId><artifactId>profile-dep</artifactId><version>1</version></dependency>
  </dependencies></profile></profiles>
</project>`,
		want: "org.example:app@1.4.0-SNAPSHOT: com.fasterxml.jackson.core:jackson-databind@2.15.2:direct " +
			"org.example:app-core@1.4.0-SNAPSHOT:direct org.example:parent-tools@7:direct junit:junit@4.13.2:direct " +
			"org.example:managed@1.4.0:direct",
	}, {
		name: "unresolved project version",
		pom:  `<project><groupId>g</groupId><artifactId>a</artifactId><version>${revision}</version></project>`,
		want: "",
	}, {
		name: "cyclic properties",
		pom: `<project><groupId>g</groupId><artifactId>a</artifactId><version>${a}</version>
  <properties><a>${b}</a><b>${a}</b></properties></project>`,
		want: "",
	}, {
		name: "exponential properties",
		pom: `<project><groupId>g</groupId><artifactId>a</artifactId><version>${p9}</version>
  <properties><p0>xxxxxxxxxxxxxxxx</p0><p1>${p0}${p0}</p1><p2>${p1}${p1}</p2><p3>${p2}${p2}</p3><p4>${p3}${p3}</p4>
  <p5>${p4}${p4}</p5><p6>${p5}${p5}</p6><p7>${p6}${p6}</p7><p8>${p7}${p7}</p8><p9>${p8}${p8}</p9></properties></project>`,
		want: "",
	}, {
		name: "namespaced, latin-1",
		pom: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<!-- caf\xe9 -->\n" +
			`<project xmlns="http://maven.apache.org/POM/4.0.0"><groupId>g</groupId><artifactId>a</artifactId><version>1</version>` +
			"<name>Caf\xe9</name><licenses><license><name>Apache License, Version 2.0</name></license><license><name> MIT </name></license></licenses></project>",
		want: "g:a@1:",
	}, {
		name: "no dependencies",
		pom:  `<project><modelVersion>4.0.0</modelVersion></project>`,
		want: "",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := ParsePom([]byte(tt.pom))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+"@"+p.Version+":"+p.Dependency)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("got  %s\nwant %s", g, tt.want)
			}
		})
	}
	pkgs, _ := ParsePom([]byte(tests[4].pom))
	if len(pkgs) != 1 || strings.Join(pkgs[0].Licenses, "|") != "Apache License, Version 2.0|MIT" {
		t.Errorf("licenses: %+v", pkgs)
	}
}

func TestPomMalformed(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"not xml":        "plain text",
		"wrong root":     "<settings><groupId>g</groupId></settings>",
		"unclosed":       "<project><dependencies><dependency>",
		"entity":         "<project><name>&nbsp;</name></project>",
		"utf-16":         `<?xml version="1.0" encoding="UTF-16"?><project/>`,
		"doctype entity": `<!DOCTYPE project [<!ENTITY x "xxxxxxxxxx">]><project><version>&x;</version></project>`,
	} {
		if pkgs, err := ParsePom([]byte(in)); err == nil {
			t.Errorf("%s: no error, %v", name, pkgs)
		}
	}
}

func TestPomRequired(t *testing.T) {
	for p, want := range map[string]bool{
		"src/app/pom.xml": true,
		"pom.xml":         true,
		"app/pom.xml.bak": false,
		"app/POM.xml":     false,
		"usr/local/tomcat/webapps/ROOT/META-INF/maven/com.example/app/pom.xml": false,
	} {
		if got := (PomExtractor{}).Required(extract.File{Path: p, Mode: 0o644}); got != want {
			t.Errorf("Required(%q) = %v", p, got)
		}
	}
}

func FuzzParsePom(f *testing.F) {
	for _, name := range poms {
		data, _ := os.ReadFile("testdata/" + name + ".pom.xml")
		f.Add(data)
	}
	f.Add([]byte(`<project><version>${a}${a}</version><properties><a>${b}${b}</a><b>${a}</b></properties></project>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParsePom(data)
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || strings.Contains(p.Version, "${") || len(p.Version) > maxInterpolated {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func BenchmarkParsePom(b *testing.B) {
	data, _ := os.ReadFile("testdata/commons-lang3-3.12.0.pom.xml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParsePom(data); err != nil {
			b.Fatal(err)
		}
	}
}
