package layerfs

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
)

// Cache stores encoded layer results. Implementations must be safe for
// concurrent use; package cache provides one on disk.
type Cache interface {
	Get(key string) ([]byte, bool)
	Put(key string, value []byte) error
}

// Locker is implemented by caches that several processes share (a scan
// server's workers on one Redis). Before a layer missing from the cache is
// analysed, Walk takes the layer's lock and looks again, so that workers
// scanning images with a common base layer analyse it once between them:
// the second waits for the first and then reads its result. Lock returns
// when the lock is held or ctx ends; unlock is called once the result is
// stored (or the analysis failed).
type Locker interface {
	Lock(ctx context.Context, key string) (unlock func(), err error)
}

// formatVersion changes whenever LayerResult's encoding or the walk's
// semantics change, so that old cache entries are never misread.
const formatVersion = 2

// cacheKeySuffix names the walk format and every extractor with its
// version, so that adding or changing an extractor invalidates the cache.
func cacheKeySuffix(exts []extract.Extractor) string {
	names := make([]string, 0, len(exts))
	for _, x := range exts {
		names = append(names, fmt.Sprintf("%s@%d", x.Name(), x.Version()))
	}
	sort.Strings(names)
	return fmt.Sprintf("|layerfs@%d|%s", formatVersion, strings.Join(names, ","))
}

func loadCached(c Cache, key string) (*LayerResult, bool) {
	data, ok := c.Get(key)
	if !ok {
		return nil, false
	}
	var r LayerResult
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&r); err != nil {
		return nil, false // a damaged entry is a miss
	}
	return &r, true
}

func storeCached(c Cache, key string, r *LayerResult) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(r); err != nil {
		return err
	}
	return c.Put(key, buf.Bytes())
}
