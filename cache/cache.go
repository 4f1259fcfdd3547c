// Package cache is Bulwark's on-disk store of per-layer scan results, keyed
// by layer diff ID and analyzer versions, so that a second scan of an image
// sharing base layers only reads the layers it has not seen.
package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("layers")

// Cache is a bbolt database of layer results. It is safe for concurrent
// use by one process; a second process waits briefly for the file lock and
// then gives up (see Open).
type Cache struct {
	db *bolt.DB
}

// ErrLocked is returned when another process holds the cache.
var ErrLocked = errors.New("cache is in use by another process")

// DefaultDir is the cache directory under the user's cache dir
// ($XDG_CACHE_HOME or ~/.cache on Linux).
func DefaultDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cache: %w", err)
	}
	return filepath.Join(base, "bulwark"), nil
}

// Open opens or creates the cache in dir.
func Open(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	file := filepath.Join(dir, "layers.db")
	db, err := bolt.Open(file, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoFreelistSync: true})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("cache: %s: %w", file, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("cache: open %s: %w", file, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("cache: %s: %w", file, err)
	}
	return &Cache{db: db}, nil
}

// Get returns the value stored under key.
func (c *Cache) Get(key string) ([]byte, bool) {
	var out []byte
	_ = c.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucket).Get([]byte(key)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	return out, out != nil
}

// Put stores value under key.
func (c *Cache) Put(key string, value []byte) error {
	err := c.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put([]byte(key), value)
	})
	if err != nil {
		return fmt.Errorf("cache: put: %w", err)
	}
	return nil
}

// Close releases the database file.
func (c *Cache) Close() error { return c.db.Close() }
