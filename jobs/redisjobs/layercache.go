package redisjobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/redis/go-redis/v9"

	"github.com/bulwark-sec/bulwark/layerfs"
)

// LayerCache is a layerfs.Cache and layerfs.Locker on the backend's
// Redis: layer results under Prefix+space+":"+key, zstd-compressed, and
// the lock of each under Prefix+"lock:"+space+":"+key. Redis being down
// costs speed, never a scan: Get misses, Lock lets the caller analyse,
// Put returns the error (which layerfs.Walk ignores).
type LayerCache struct {
	b     *Backend
	space string
}

var (
	_ layerfs.Cache  = (*LayerCache)(nil)
	_ layerfs.Locker = (*LayerCache)(nil)
)

// LayerCache is the workers' cache of layer results.
func (b *Backend) LayerCache() *LayerCache { return b.LayerCacheIn("layer") }

// LayerCacheIn is a layer cache in a namespace of its own, for results
// that must not mix with the workers' (those uploaded by clients, which
// the workers must not trust).
func (b *Backend) LayerCacheIn(space string) *LayerCache {
	return &LayerCache{b: b, space: space}
}

// maxLayerResult bounds a layer result: Put refuses a larger one, and
// decoding stops past it. The decoder trusts a frame's declared size up
// to this bound when it allocates, so a damaged or hostile entry costs at
// most this much memory for a moment. (A layer of a million files makes a
// result of about 150 MB.)
const maxLayerResult = 256 << 20

var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxLayerResult))
)

// encodeLayer and decodeLayer are the stored form of a layer result. A
// value that anyone with access to Redis could have written is decoded
// under maxLayerResult.
func encodeLayer(v []byte) []byte { return encoder.EncodeAll(v, nil) }

func decodeLayer(v []byte) ([]byte, error) { return decoder.DecodeAll(v, nil) }

func (c *LayerCache) valueKey(key string) string { return c.b.key(c.space, key) }
func (c *LayerCache) lockKey(key string) string  { return c.b.key("lock", c.space, key) }

// Get returns the result stored under key and renews its time to live.
// Any failure, Redis down or a damaged entry, is a miss.
func (c *LayerCache) Get(key string) ([]byte, bool) {
	ctx, cancel := op(c.b.ctx)
	defer cancel()
	v, err := c.b.rdb.GetEx(ctx, c.valueKey(key), c.b.opts.LayerTTL).Bytes()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			c.b.log.Warn("redisjobs: layer cache read failed; analysing the layer", "err", err)
		}
		return nil, false
	}
	data, err := decodeLayer(v)
	if err != nil {
		c.b.log.Warn("redisjobs: damaged layer cache entry; analysing the layer", "key", key, "err", err)
		return nil, false
	}
	return data, true
}

// Put stores value under key.
func (c *LayerCache) Put(key string, value []byte) error {
	if len(value) > maxLayerResult {
		return fmt.Errorf("redisjobs: layer cache: a result of %d bytes is over the %d byte bound", len(value), maxLayerResult)
	}
	ctx, cancel := op(c.b.ctx)
	defer cancel()
	if err := c.b.rdb.Set(ctx, c.valueKey(key), encodeLayer(value), c.b.opts.LayerTTL).Err(); err != nil {
		return fmt.Errorf("redisjobs: layer cache: %w", err)
	}
	return nil
}

// lockScript answers "cached" when the result is there, "held" when this
// caller now holds the lock, and "wait" when another does.
//
// KEYS: value, lock. ARGV: token, lock TTL in ms.
var lockScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 'cached' end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'held' end
return 'wait'
`)

// renewScript and unlockScript act only on a lock that still carries the
// caller's token: a lock that expired and was taken by another is the
// other's. KEYS: lock. ARGV: token (and TTL in ms).
var (
	renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)
	unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
)

// Lock returns when this caller holds key's lock, when key's result is in
// the cache (another process analysed the layer; unlock is then a no-op
// and the caller finds the result with Get), or when ctx ends. Waiters
// poll, from 10 ms up to every half second. The holder renews the lock
// every third of LockTTL until unlock, so a lock outlives its holder by at
// most LockTTL. When Redis cannot be reached Lock returns at once without
// a lock: the layer is then perhaps analysed twice, which costs time only.
func (c *LayerCache) Lock(ctx context.Context, key string) (unlock func(), err error) {
	var raw [16]byte
	rand.Read(raw[:])
	token := hex.EncodeToString(raw[:])
	keys := []string{c.valueKey(key), c.lockKey(key)}
	ttl := c.b.opts.LockTTL
	pause := 10 * time.Millisecond
	for {
		octx, cancel := op(ctx)
		state, err := lockScript.Run(octx, c.b.rdb, keys, token, ttl.Milliseconds()).Text()
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			c.b.log.Warn("redisjobs: layer lock unavailable; analysing without it", "err", err)
			return func() {}, nil
		}
		switch state {
		case "cached":
			return func() {}, nil
		case "held":
			return c.hold(keys[1], token)
		}
		if !sleep(ctx, pause) {
			return nil, ctx.Err()
		}
		pause = min(pause*3/2, 500*time.Millisecond)
	}
}

// hold renews the lock until the returned unlock is called (or the
// backend closes) and then deletes it if it is still this holder's.
func (c *LayerCache) hold(lockKey, token string) (unlock func(), err error) {
	if !c.b.renewing() {
		return nil, errors.New("redisjobs: layer lock taken after Close")
	}
	ttl := c.b.opts.LockTTL
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer c.b.wg.Done()
		defer close(done)
		tick := time.NewTicker(ttl / 3)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-c.b.ctx.Done():
				return
			case <-tick.C:
			}
			ctx, cancel := op(c.b.ctx)
			n, err := renewScript.Run(ctx, c.b.rdb, []string{lockKey}, token, ttl.Milliseconds()).Int()
			cancel()
			switch {
			case err != nil:
				c.b.log.Warn("redisjobs: layer lock renewal failed", "lock", lockKey, "err", err)
			case n == 0:
				c.b.log.Warn("redisjobs: layer lock expired while held; another worker may analyse the layer too", "lock", lockKey)
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			ctx, cancel := op(c.b.ctx)
			defer cancel()
			if err := unlockScript.Run(ctx, c.b.rdb, []string{lockKey}, token).Err(); err != nil {
				c.b.log.Warn("redisjobs: layer unlock failed; the lock expires by itself", "lock", lockKey, "err", err)
			}
		})
	}, nil
}
