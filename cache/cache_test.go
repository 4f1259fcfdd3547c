package cache

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestPutGetReopen(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("missing"); ok {
		t.Error("hit on an empty cache")
	}
	if err := c.Put("sha256:abc|x@1", []byte("result")); err != nil {
		t.Fatal(err)
	}
	if v, ok := c.Get("sha256:abc|x@1"); !ok || string(v) != "result" {
		t.Errorf("Get = %q, %v", v, ok)
	}
	// A second process (here: a second handle) cannot take the lock and
	// says so instead of waiting forever.
	if _, err := Open(dir); !errors.Is(err, ErrLocked) {
		t.Errorf("second Open: %v, want ErrLocked", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, ok := c.Get("sha256:abc|x@1"); !ok || string(v) != "result" {
		t.Errorf("after reopen: %q, %v", v, ok)
	}
}

func TestCorruptFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "layers.db"), []byte("not a bolt database at all, just text"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil {
		t.Error("opened a corrupt cache file")
	}
}
