package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// events walks data with wk and records, in order, each archive entered
// and left and each member handed over.
func events(t testing.TB, wk Walker, data []byte, name string) ([]string, Stats, error) {
	t.Helper()
	var got []string
	wk.Enter = func(a Archive) error {
		got = append(got, "enter "+a.Name+" "+a.Path+" "+string(rune('0'+a.Depth)))
		return nil
	}
	wk.Leave = func(a Archive) error {
		got = append(got, "leave "+a.Path)
		return nil
	}
	st, err := wk.WalkZip(context.Background(), bytes.NewReader(data), int64(len(data)), name, func(m Member) error {
		b, err := io.ReadAll(m.Content)
		got = append(got, m.Name+"="+string(b))
		return err
	})
	return got, st, err
}

func TestWalkerHooks(t *testing.T) {
	lib := zipOf(t, entry{"META-INF/MANIFEST.MF", []byte("lib")}, entry{"a.class", nil})
	data := zipOf(t,
		entry{"META-INF/MANIFEST.MF", []byte("outer")},
		entry{"../lib/x.lib", lib},
		entry{"y.zip", zipOf(t, entry{"META-INF/MANIFEST.MF", []byte("zip")})},
		entry{"z.class", nil},
	)
	wk := Walker{
		// Only ".lib" members are archives; ".zip" ones are plain.
		Nested: func(name string) Format {
			if strings.HasSuffix(name, ".lib") {
				return Zip
			}
			return None
		},
		Want: func(name string) bool { return name == "META-INF/MANIFEST.MF" || strings.HasSuffix(name, ".zip") },
	}
	got, st, err := events(t, wk, data, "o.jar")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"enter o.jar o.jar 1",
		"META-INF/MANIFEST.MF=outer",
		"enter ../lib/x.lib o.jar!/lib/x.lib 2",
		"META-INF/MANIFEST.MF=lib",
		"leave o.jar!/lib/x.lib",
		"y.zip=" + string(zipOf(t, entry{"META-INF/MANIFEST.MF", []byte("zip")})),
		"leave o.jar",
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
	if st.Archives != 2 || st.Members != 3 || st.Skipped != 0 {
		t.Errorf("stats = %+v", st)
	}
}

// TestWalkerNestedFormat reads a member as the format Nested names, not
// as its first bytes suggest.
func TestWalkerNestedFormat(t *testing.T) {
	data := zipOf(t, entry{"a.jar", tarOf(t, entry{"x", []byte("1")})}, entry{"b.jar", zipOf(t, entry{"y", []byte("2")})})
	asZip := Walker{Nested: func(name string) Format { return FormatOf(name) }}
	got, st, err := events(t, asZip, data, "o.zip")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"enter o.zip o.zip 1", "enter b.jar o.zip!/b.jar 2", "y=2", "leave o.zip!/b.jar", "leave o.zip"}; !slices.Equal(got, want) || st.Skipped != 1 {
		t.Errorf("got %q, %d skipped", got, st.Skipped)
	}
	// By default the content decides.
	got, _, err = events(t, Walker{}, data, "o.zip")
	if err != nil || !slices.Contains(got, "x=1") {
		t.Errorf("by content: %q, %v", got, err)
	}
}

func TestWalkerStrict(t *testing.T) {
	deep := zipOf(t, entry{"a.txt", []byte("a")})
	for range 3 {
		deep = zipOf(t, entry{"in.zip", deep})
	}
	// Passed over quietly, or an error under Strict.
	if got, _, err := events(t, Walker{Limits: Limits{MaxDepth: 2}}, deep, "d.zip"); err != nil || slices.Contains(got, "a.txt=a") {
		t.Errorf("not strict: %q, %v", got, err)
	}
	_, _, err := events(t, Walker{Limits: Limits{MaxDepth: 2}, Strict: true}, deep, "d.zip")
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "d.zip!/in.zip!/in.zip is nested more than 1 archives deep") {
		t.Errorf("deep: err = %v", err)
	}
	big := zipOf(t, entry{"big.zip", zipOf(t, entry{"a", make([]byte, 4096)})})
	_, st, err := events(t, Walker{Limits: Limits{MaxEntrySize: 50}}, big, "b.zip")
	if err != nil || st.Skipped != 1 {
		t.Errorf("not strict: %+v, %v", st, err)
	}
	_, _, err = events(t, Walker{Limits: Limits{MaxEntrySize: 50}, Strict: true}, big, "b.zip")
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "b.zip!/big.zip declares") {
		t.Errorf("big: err = %v", err)
	}
	many := zipOf(t, entry{"1.zip", zipOf(t)}, entry{"2.zip", zipOf(t)}, entry{"3.zip", zipOf(t)})
	if _, _, err := events(t, Walker{Limits: Limits{MaxArchives: 2}}, many, "m.zip"); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "more than 2 nested archives") {
		t.Errorf("many: err = %v", err)
	}
}

func TestWalkZipErrors(t *testing.T) {
	_, _, err := events(t, Walker{}, []byte("not a zip"), "x.jar")
	if err == nil || !strings.HasPrefix(err.Error(), "not a readable zip archive: ") {
		t.Errorf("not a zip: err = %v", err)
	}
	// The caller names the outer archive; nested ones are named.
	_, _, err = events(t, Walker{Limits: Limits{MaxEntries: 2}}, zipOf(t, entry{"a", nil}, entry{"b", nil}, entry{"c", nil}), "x.jar")
	if !errors.Is(err, ErrLimit) || strings.Contains(err.Error(), "x.jar") {
		t.Errorf("outer limit: err = %v", err)
	}
	stop := errors.New("stop")
	data := zipOf(t)
	_, err = Walker{Enter: func(Archive) error { return stop }}.WalkZip(context.Background(), bytes.NewReader(data), int64(len(data)), "x.jar", nil)
	if err != stop {
		t.Errorf("Enter's error: %v", err)
	}
}

// stored makes a zip of one member kept uncompressed, as Spring Boot
// keeps the jars in BOOT-INF/lib.
func stored(t testing.TB, name string, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	n := uint64(len(body))
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(body), CompressedSize64: n, UncompressedSize64: n})
	if err == nil {
		_, err = w.Write(body)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestStoredInPlace reads a stored nested zip where it lies: nothing is
// copied to a temporary file (the directory given does not exist), and
// it is still charged to the budget.
func TestStoredInPlace(t *testing.T) {
	inner := stored(t, "a.txt", bytes.Repeat([]byte("a"), 4096))
	lim := Limits{MaxDepth: 2, InMemory: 1024, TempDir: filepath.Join(t.TempDir(), "missing")}
	data := stored(t, "lib/x.jar", inner)
	got, st, err := events(t, Walker{Limits: lim}, data, "o.jar")
	if err != nil || st.Archives != 2 || !slices.Contains(got, "a.txt="+strings.Repeat("a", 4096)) {
		t.Errorf("stored: %q, %+v, %v", got, st, err)
	}
	if _, _, err := events(t, Walker{Limits: lim}, zipOf(t, entry{"lib/x.jar", inner}), "o.jar"); err == nil {
		t.Error("compressed: read without its temporary file")
	}
	lim.MaxBytes = int64(len(inner)) - 1
	if _, _, err := events(t, Walker{Limits: lim}, data, "o.jar"); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "o.jar!/lib/x.jar: ") {
		t.Errorf("over budget: err = %v", err)
	}
}
