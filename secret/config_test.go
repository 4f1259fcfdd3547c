package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleConfig = `
disable-rules: [generic-password]
rules:
  - id: acme-api-key
    title: ACME API key
    severity: critical
    keywords: [acme_]
    regex: '\b(acme_[a-z0-9]{24})\b'
    secret-group: 1
    min-entropy: 3
    allow-values: ['^acme_test']
allow-rules:
  - id: github-pat
    paths: ['^fixtures/']
allow-paths: ['^vendor/']
allow-values: ['^sk_live_51Hx48Lm2Vn9Rb4Tk1Wz8Pc3AL']
`

func TestConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(sampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	rules, opts, err := cfg.Apply(Builtin(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng := New(rules, opts)
	const pat = "ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge"
	cases := []struct {
		path, text, want string
	}{
		{"app.conf", "key = acme_k3j9x7q2m8w4z6v1b5n0c2d8\n", "acme-api-key"},
		{"app.conf", "key = acme_test0000000000000000000\n", ""},  // rule's own allow-values
		{"app.conf", "key = acme_aaaaaaaaaaaaaaaaaaaaaaaa\n", ""}, // entropy gate
		{"src/main.go", "token := \"" + pat + "\"\n", "github-pat"},
		{"fixtures/main.go", "token := \"" + pat + "\"\n", ""}, // per-rule path allowlist
		{"vendor/x/main.go", "token := \"" + pat + "\"\n", ""}, // global path allowlist
		{"settings.py", "password = 'Xk48Lm2Vn9Rb4Tk1'\n", ""}, // generic-password disabled
		{"pay.env", "STRIPE=sk_live_51Hx48Lm2Vn9Rb4Tk1Wz8Pc3ALx\n", ""},
		{"pay.env", "STRIPE=sk_live_51Hx48Lm2Vn9Rb4Tk1Wz8Pc3Hd6\n", "stripe-secret-key"},
	}
	for _, c := range cases {
		var got []string
		for _, f := range eng.Scan(c.path, []byte(c.text)) {
			got = append(got, f.RuleID)
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s %q: got %v, want %q", c.path, c.text, got, c.want)
		}
	}
	// The built-in engine still finds what the configuration allowed.
	if f := New(Builtin(), Options{}).Scan("fixtures/main.go", []byte(pat)); len(f) != 1 {
		t.Errorf("configuration leaked into the built-in rules: %v", f)
	}
	if New(Builtin(), Options{}).Fingerprint() == eng.Fingerprint() {
		t.Error("fingerprint does not change with the configuration")
	}
}

func TestConfigErrors(t *testing.T) {
	for name, text := range map[string]string{
		"unknown key":        "allow-path: ['^x']\n",
		"no keywords":        "rules: [{id: x, regex: 'abc'}]\n",
		"bad regex":          "rules: [{id: x, keywords: [ab], regex: '(ab'}]\n",
		"bad group":          "rules: [{id: x, keywords: [ab], regex: 'ab', secret-group: 2}]\n",
		"bad severity":       "rules: [{id: x, keywords: [ab], regex: 'ab', severity: severe}]\n",
		"taken ID":           "rules: [{id: github-pat, keywords: [ab], regex: 'ab'}]\n",
		"unknown disable":    "disable-rules: [no-such-rule]\n",
		"unknown allow":      "allow-rules: [{id: no-such-rule, paths: [x]}]\n",
		"bad allow path":     "allow-paths: ['(']\n",
		"nothing left":       "disable-builtin: true\n",
		"not yaml":           "rules: [\n",
		"one-letter keyword": "rules: [{id: x, keywords: [a], regex: 'ab'}]\n",
	} {
		cfg, err := ParseConfig([]byte(text))
		if err == nil {
			_, _, err = cfg.Apply(Builtin(), Options{})
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if cfg, err := ParseConfig(nil); err != nil || cfg == nil {
		t.Errorf("empty config: %v", err)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxConfigSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(big); err == nil {
		t.Error("oversized config accepted")
	}
}

func FuzzConfig(f *testing.F) {
	f.Add([]byte(sampleConfig))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			return
		}
		rules, opts, err := cfg.Apply(Builtin(), Options{})
		if err != nil {
			return
		}
		New(rules, opts).Scan("x.env", data)
	})
}
