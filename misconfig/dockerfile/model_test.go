package dockerfile

import (
	"fmt"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := map[string]variable{"A": {"alpha", true}, "E": {"", true}, "U": {"", false}}
	lookup := func(n string) (string, bool) {
		v, ok := vars[n]
		return v.value, ok && v.known
	}
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"plain", "plain", true},
		{"$A", "alpha", true},
		{"${A}-x", "alpha-x", true},
		{"x$A.y", "xalpha.y", true},
		{"${U:-def}", "def", true},
		{"${E:-def}", "def", true},
		{"${E-def}", "", true},
		{"${A:+set}", "set", true},
		{"${E:+set}", "", true},
		{"${U:+set}", "", false},
		{"${MISSING}", "", false},
		{"$MISSING/x", "/x", false},
		{`\$A`, "$A", true},
		{"${A", "", false},
		{"$", "$", true},
		{"${U:-${A}}", "alpha", true},
		{"${A#prefix}", "", false},
		{strings.Repeat("${U:-", 20) + "x" + strings.Repeat("}", 20), "", false},
	}
	for _, c := range cases {
		got, ok := expand(c.in, lookup)
		if got != c.want || ok != c.ok {
			t.Errorf("expand(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseRef(t *testing.T) {
	cases := map[string]imageRef{
		"ubuntu":                            {name: "ubuntu"},
		"ubuntu:24.04":                      {name: "ubuntu", tag: "24.04"},
		"localhost:5000/app":                {name: "localhost:5000/app"},
		"localhost:5000/app:1.0":            {name: "localhost:5000/app", tag: "1.0"},
		"alpine@sha256:abc":                 {name: "alpine", digest: "sha256:abc"},
		"gcr.io/x/y:1@sha256:abc":           {name: "gcr.io/x/y", tag: "1", digest: "sha256:abc"},
		"gcr.io/distroless/static:nonroot":  {name: "gcr.io/distroless/static", tag: "nonroot"},
		"registry:443/team/image:latest":    {name: "registry:443/team/image", tag: "latest"},
		"docker.io/library/debian:bookworm": {name: "docker.io/library/debian", tag: "bookworm"},
	}
	for in, want := range cases {
		if got := parseRef(in); got != want {
			t.Errorf("parseRef(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestWorldWritable(t *testing.T) {
	cases := map[string]bool{
		"777": true, "0777": true, "666": true, "2777": true, "o+w": true, "a+rwx": true, "u+x,o+w": true, "o=rwx": true,
		"755": false, "1777": false, "a+rwxt": false, "+w": false, "u+w": false, "o-w": false, "": false, "x": false,
		"12345670": false, "go+w": true,
	}
	for mode, want := range cases {
		if got := worldWritable(mode); got != want {
			t.Errorf("worldWritable(%q) = %v, want %v", mode, got, want)
		}
	}
}

func TestSecretName(t *testing.T) {
	cases := map[string]bool{
		"PASSWORD": true, "DB_PASSWORD": true, "db-pass": true, "GITHUB_TOKEN": true, "API_KEY": true, "apiKey": true,
		"APIKEY": true, "AWS_SECRET_ACCESS_KEY": true, "PRIVATE_KEY": true, "CLIENT_SECRET": true,
		"PASSWORD_FILE": false, "TOKEN_URL": false, "GPG_KEY": false, "AWS_ACCESS_KEY_ID": false, "KEY": false, "": false,
	}
	for name, want := range cases {
		if got := secretName(name); got != want {
			t.Errorf("secretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestCredentialFile(t *testing.T) {
	cases := map[string]bool{
		"id_rsa": true, "keys/id_ed25519": true, ".env": true, ".env.production": true, ".env.example": false,
		"server.key": true, "id_rsa.pub": false, "config/.aws/credentials": true, ".docker/config.json": true,
		"ca.crt": false, "src/": false, ".ssh/": true, "app.keystore": false,
	}
	for p, want := range cases {
		if got := credentialFile(p); got != want {
			t.Errorf("credentialFile(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestUnquote(t *testing.T) {
	cases := map[string]string{
		`plain`: "plain", `"a b"`: "a b", `'a $b'`: "a $b", `a\ b`: "a b", `"x\"y"`: `x"y`, `'it''s'`: "its",
	}
	for in, want := range cases {
		if got := unquote(in); got != want {
			t.Errorf("unquote(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestResources checks the stage names and line spans findings carry.
func TestResources(t *testing.T) {
	src := "FROM alpine:3.20 AS Build\nRUN apk add \\\n    curl\nFROM alpine:3.20\nRUN apk add \\\n  --no-cache git\n"
	fs, err := Scan("Dockerfile", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		if f.CheckID == checkUnpinnedPackage.ID {
			got = append(got, fmt.Sprintf("%s:%d-%d", f.Resource.Container, f.StartLine, f.EndLine))
		}
	}
	if want := "build:2-3 stage 1:5-6"; strings.Join(got, " ") != want {
		t.Errorf("resources %q, want %q", strings.Join(got, " "), want)
	}
	fs, err = Scan("Dockerfile", []byte("FROM alpine:3.20\nRUN apk add curl\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Resource.Container != "" {
			t.Errorf("single unnamed stage: %s has container %q", f.CheckID, f.Resource.Container)
		}
	}
}
