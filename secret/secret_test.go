package secret

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pathFor returns a file path a rule applies to.
func pathFor(r Rule) string {
	if r.Paths == nil {
		return "app/.env"
	}
	for _, p := range []string{"root/.npmrc", "root/.git-credentials", "etc/nginx/.htpasswd", "root/.docker/config.json", "root/.kube/config"} {
		if r.Paths.MatchString(p) {
			return p
		}
	}
	return ""
}

func TestRuleExamples(t *testing.T) {
	rules := Builtin()
	if len(rules) < 70 {
		t.Errorf("%d rules", len(rules))
	}
	eng := New(rules, Options{})
	ids := map[string]bool{}
	for _, r := range rules {
		if ids[r.ID] {
			t.Errorf("duplicate rule ID %s", r.ID)
		}
		ids[r.ID] = true
		if len(r.Keywords) == 0 || r.Example == "" || r.NotExample == "" || r.Title == "" {
			t.Errorf("%s: keywords, title and both examples are required", r.ID)
			continue
		}
		path := pathFor(r)
		found := false
		for _, f := range eng.Scan(path, []byte(r.Example+"\n")) {
			if f.RuleID == r.ID {
				found = true
				if !strings.HasSuffix(f.Match, "****") || len(f.Match) > 8 {
					t.Errorf("%s: match not redacted: %q", r.ID, f.Match)
				}
			}
		}
		if !found {
			t.Errorf("%s: example not found: %q", r.ID, r.Example)
		}
		for _, f := range eng.Scan(path, []byte(r.NotExample+"\n")) {
			if f.RuleID == r.ID {
				t.Errorf("%s: look-alike matched: %q", r.ID, r.NotExample)
			}
		}
	}
}

// TestFalsePositives runs the rules over ordinary text that looks a little
// like secrets: none may match.
func TestFalsePositives(t *testing.T) {
	text := `
# Configuration reference
password: ${DB_PASSWORD}
password = os.environ["DB_PASSWORD"]
api_key: <your-api-key>
token: "{{ .Values.token }}"
secret_key_base: ENV.fetch("SECRET_KEY_BASE")
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFI/K7MDENG/bPxRfiCYEXAMPLEKEY
url: https://github.com/org/repo.git
connection: postgres://localhost:5432/app
"sha256": "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
version = "1.2.3"
tokenizer = "word"
passwordless = true
password_min_length = 12
		pass := po.undo[len(po.undo)-1]
	EMVSPASSWORD       = Errno(169)
`
	for _, f := range New(Builtin(), Options{}).Scan("docs/config.md", []byte(text)) {
		t.Errorf("false positive: %s on line %d (%s)", f.RuleID, f.Line, f.Match)
	}
}

func TestScanLinesAndOrder(t *testing.T) {
	data := []byte("line one\nexport GH=ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n\nDB_PASSWORD=Xk48Lm2Vn9Rb4Tk1\nSTRIPE=sk_live_51Hx48Lm2Vn9Rb4Tk1Wz8Pc3Hd6\n")
	got := New(Builtin(), Options{}).Scan("app/.env", data)
	var lines []string
	for _, f := range got {
		lines = append(lines, fmt.Sprintf("%d:%s:%s", f.Line, f.RuleID, f.Match))
	}
	want := "2:github-pat:ghp_**** 4:generic-password:Xk48**** 5:stripe-secret-key:sk_l****"
	if strings.Join(lines, " ") != want {
		t.Errorf("got %s\nwant %s", strings.Join(lines, " "), want)
	}
}

func TestNeverLeaks(t *testing.T) {
	eng := New(Builtin(), Options{})
	for _, r := range eng.Rules() {
		for _, f := range eng.Scan(pathFor(r), []byte(r.Example)) {
			if len(f.Match) > 8 {
				t.Errorf("%s: %q is more than a redacted prefix", r.ID, f.Match)
			}
		}
	}
	for in, want := range map[string]string{"abcdefghijklmnop": "abcd****", "abc": "****", "abcdefgh": "ab****", "ééééé": "éé****"} {
		if got := Redact(in); got != want && !(in == "ééééé" && got == "é****") {
			t.Errorf("Redact(%q) = %q", in, got)
		}
	}
}

func TestBinaryAndLimits(t *testing.T) {
	eng := New(Builtin(), Options{MaxFileSize: 1 << 10})
	secretLine := []byte("GH=ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n")
	bin := append([]byte{0x7f, 'E', 'L', 'F', 0, 0}, secretLine...)
	if f := eng.Scan("usr/bin/x", bin); len(f) != 0 {
		t.Errorf("binary scanned: %v", f)
	}
	late := append(bytes.Repeat([]byte("a"), 2<<10), secretLine...)
	if f := eng.Scan("big.txt", late); len(f) != 0 {
		t.Errorf("scanned past MaxFileSize: %v", f)
	}
	// One 10 MB line, and invalid UTF-8, end quickly with nothing found.
	long := bytes.Repeat([]byte("password="), 10<<20/9)
	if f := New(Builtin(), Options{MaxFileSize: 16 << 20}).Scan("x", long); len(f) != 0 {
		t.Errorf("long line: %d findings", len(f))
	}
	junk := bytes.Repeat([]byte{0xff, 0xfe, 'a'}, 1000)
	if !Binary(junk) {
		t.Error("invalid UTF-8 not taken as binary")
	}
}

// TestKeywordsAgreeWithContains checks the automaton against the obvious
// implementation.
func TestKeywordsAgreeWithContains(t *testing.T) {
	words := map[string][]int{"he": {0}, "she": {1}, "his": {2}, "hers": {3}, "akia": {4}, "x": {5}}
	k := newKeywords(words)
	for _, text := range []string{"ushers", "AKIA1234", "nothing", "hishe", "", "XxX", "ah"} {
		hit := make([]bool, 6)
		k.match([]byte(text), hit)
		for w, rules := range words {
			want := strings.Contains(strings.ToLower(text), w)
			if hit[rules[0]] != want {
				t.Errorf("%q: keyword %q hit=%v, want %v", text, w, hit[rules[0]], want)
			}
		}
	}
}

func FuzzScan(f *testing.F) {
	for _, r := range Builtin() {
		f.Add(r.Example)
	}
	eng := New(Builtin(), Options{})
	f.Fuzz(func(t *testing.T, s string) {
		for _, fd := range eng.Scan("app/.env", []byte(s)) {
			if len(fd.Match) > 8 || fd.Line < 1 {
				t.Errorf("bad finding %+v", fd)
			}
		}
	})
}

func FuzzKeywords(f *testing.F) {
	f.Add("ushers", "he")
	f.Fuzz(func(t *testing.T, text, word string) {
		if word == "" || len(word) > 16 {
			return
		}
		k := newKeywords(map[string][]int{word: {0}})
		hit := make([]bool, 1)
		k.match([]byte(text), hit)
		if want := bytes.Contains(k.lowerString(text), k.lowerString(word)); hit[0] != want {
			t.Errorf("%q in %q: %v, want %v", word, text, hit[0], want)
		}
	})
}

func (k *keywords) lowerString(s string) []byte {
	b := []byte(s)
	for i := range b {
		b[i] = k.lower[b[i]]
	}
	return b
}

// TestScanWith: values a decoder hands the engine are scanned as
// "name: value" and reported on their line with their encoding, in line
// order among the file's own findings; a generic finding on the encoded
// text of that line gives way to them.
func TestScanWith(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	text := "token: ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n" +
		"password: " + b64("Xk48Lm2Vn9Rb4Tk1") + "\n" +
		"aws: " + b64("AKIAZ3MHXQ4T7KPLN2VB") + "\n" +
		"user: " + b64("shop") + "\n"
	var seen []byte
	decode := func(path string, text []byte) []Decoded {
		seen = text
		return []Decoded{
			{Name: "password", Value: []byte("Xk48Lm2Vn9Rb4Tk1"), Line: 2, Encoding: "base64 (Secret shop/db data.password)"},
			{Name: "aws", Value: []byte("AKIAZ3MHXQ4T7KPLN2VB"), Line: 3, Encoding: "base64 (Secret shop/db data.aws)"},
			{Name: "user", Value: []byte("shop"), Line: 4, Encoding: "base64 (Secret shop/db data.user)"},
			{Name: "empty", Line: 5, Encoding: "base64"},
			{Name: "binary", Value: []byte("\x00password=Xk48Lm2Vn9Rb4Tk1"), Line: 5, Encoding: "base64"},
		}
	}
	eng := New(Builtin(), Options{})
	var got []string
	for _, f := range eng.ScanWith("deploy/secret.yaml", []byte(text), decode) {
		got = append(got, fmt.Sprintf("%s:%d:%d %s", f.RuleID, f.Line, f.Offset, f.Encoding))
		if strings.Contains(f.Match, "Lm2Vn9") || strings.Contains(f.Match, "XQ4T7") {
			t.Errorf("unredacted: %s", f.Match)
		}
	}
	want := []string{
		"github-pat:1:7 ",
		"generic-password:2:-1 base64 (Secret shop/db data.password)",
		"aws-access-key-id:3:-1 base64 (Secret shop/db data.aws)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if string(seen) != text {
		t.Errorf("the decoder read %q", seen)
	}
	// Scan decodes nothing.
	for _, f := range eng.Scan("deploy/secret.yaml", []byte(text)) {
		if f.Encoding != "" {
			t.Errorf("Scan decoded: %v", f)
		}
	}
	// The decoder reads what the engine scans: none of an allow-listed
	// path, the text up to MaxFileSize.
	seen = nil
	allow := New(Builtin(), Options{AllowPaths: []*regexp.Regexp{regexp.MustCompile(`^deploy/`)}})
	if fs := allow.ScanWith("deploy/secret.yaml", []byte(text), decode); len(fs) != 0 || seen != nil {
		t.Errorf("allow-listed path: %v, decoder read %q", fs, seen)
	}
	New(Builtin(), Options{MaxFileSize: 20}).ScanWith("deploy/secret.yaml", []byte(text), decode)
	if string(seen) != text[:20] {
		t.Errorf("the decoder read %q past MaxFileSize", seen)
	}
}

// BenchmarkScanCorpus scans real text: the files under
// $BULWARK_SECRET_CORPUS (bench/secrets.sh builds one), up to 64 MiB of
// them. It reports MB/s of one core.
func BenchmarkScanCorpus(b *testing.B) {
	dir := os.Getenv("BULWARK_SECRET_CORPUS")
	if dir == "" {
		b.Skip("BULWARK_SECRET_CORPUS is not set")
	}
	type file struct {
		path string
		data []byte
	}
	var files []file
	total := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || total > 64<<20 {
			return nil
		}
		data, err := os.ReadFile(p)
		if err == nil {
			files = append(files, file{p, data})
			total += len(data)
		}
		return nil
	})
	eng := New(Builtin(), Options{})
	b.SetBytes(int64(total))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			eng.Scan(f.path, f.data)
		}
	}
}

// TestWindowsAgreeWithWholeText checks that running patterns only near
// their keywords finds what running them on the whole text finds: every
// rule's example, placed among lines that repeat its keywords, at the
// start, middle and end of a file.
func TestWindowsAgreeWithWholeText(t *testing.T) {
	windowed := New(Builtin(), Options{})
	whole := New(Builtin(), Options{})
	for i := range whole.whole {
		whole.whole[i] = true
	}
	var filler strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&filler, "\tkey := tokens[%d] // the secret password of the api key\n", i)
	}
	long := strings.Repeat("x", 5000) // a minified line
	for _, r := range Builtin() {
		for _, text := range []string{
			r.Example + "\n" + filler.String(),
			filler.String() + r.Example + "\n" + filler.String(),
			filler.String() + long + " " + r.Example,
			r.Example,
		} {
			got, want := windowed.Scan("app/config.env", []byte(text)), whole.Scan("app/config.env", []byte(text))
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: windowed %v, whole text %v", r.ID, got, want)
			}
		}
	}
}
