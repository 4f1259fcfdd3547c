package server

import (
	"context"
	"sync"

	"github.com/bulwark-sec/bulwark/layerfs"
)

// keyLocked makes a cache of one process a layerfs.Locker: the workers of
// the process, scanning images with a common layer at the same time,
// analyse it once, the others waiting for its result.
type keyLocked struct {
	layerfs.Cache
	mu   sync.Mutex
	held map[string]chan struct{} // closed when the key is unlocked
}

func newKeyLocked(c layerfs.Cache) *keyLocked {
	return &keyLocked{Cache: c, held: map[string]chan struct{}{}}
}

// Lock waits until no one else holds key, or ctx ends.
func (k *keyLocked) Lock(ctx context.Context, key string) (func(), error) {
	for {
		k.mu.Lock()
		busy, ok := k.held[key]
		if !ok {
			ch := make(chan struct{})
			k.held[key] = ch
			k.mu.Unlock()
			var once sync.Once
			return func() {
				once.Do(func() {
					k.mu.Lock()
					delete(k.held, key)
					k.mu.Unlock()
					close(ch)
				})
			}, nil
		}
		k.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
