package redisjobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bulwark-sec/bulwark/jobs"
)

// A job's record is one hash, Prefix+"job:"+ID, with the fields "entry"
// (its stream entry, set by Submit), "status" (JSON) and "report" (the
// report's JSON); every write pushes its expiry Options.Expiry ahead.
// Reports kept by content are Prefix+"report:"+key strings with their own
// time to live.

// setFieldScript writes one field of a job's record and renews its
// expiry in one step. KEYS: record. ARGV: field, value, expiry in ms.
var setFieldScript = redis.NewScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

func (b *Backend) setField(ctx context.Context, id, field string, value []byte) error {
	if id == "" {
		return fmt.Errorf("redisjobs: %s of a job with no ID", field)
	}
	ctx, cancel := op(ctx)
	defer cancel()
	if err := setFieldScript.Run(ctx, b.rdb, []string{b.key("job", id)}, field, value, b.opts.Expiry.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("redisjobs: store %s of job %s: %w", field, id, err)
	}
	return nil
}

func (b *Backend) field(ctx context.Context, id, field string) ([]byte, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	v, err := b.rdb.HGet(ctx, b.key("job", id), field).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%s of job %s: %w", field, id, jobs.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("redisjobs: read %s of job %s: %w", field, id, err)
	}
	return v, nil
}

// SetStatus records s.
func (b *Backend) SetStatus(ctx context.Context, s jobs.Status) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("redisjobs: status of job %s: %w", s.ID, err)
	}
	return b.setField(ctx, s.ID, "status", data)
}

// Status returns the last status recorded for id.
func (b *Backend) Status(ctx context.Context, id string) (jobs.Status, error) {
	data, err := b.field(ctx, id, "status")
	if err != nil {
		return jobs.Status{}, err
	}
	var s jobs.Status
	if err := json.Unmarshal(data, &s); err != nil {
		return jobs.Status{}, fmt.Errorf("redisjobs: status of job %s: %w", id, err)
	}
	return s, nil
}

// PutReport stores a job's report.
func (b *Backend) PutReport(ctx context.Context, id string, report []byte) error {
	return b.setField(ctx, id, "report", report)
}

// Report returns a job's report.
func (b *Backend) Report(ctx context.Context, id string) ([]byte, error) {
	return b.field(ctx, id, "report")
}

// Remember keeps report under key for ttl.
func (b *Backend) Remember(ctx context.Context, key string, report []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("redisjobs: remember %s: time to live %v", key, ttl)
	}
	ctx, cancel := op(ctx)
	defer cancel()
	if err := b.rdb.Set(ctx, b.key("report", key), report, ttl).Err(); err != nil {
		return fmt.Errorf("redisjobs: remember %s: %w", key, err)
	}
	return nil
}

// Recall returns the report kept under key, if its time has not run out.
func (b *Backend) Recall(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	v, err := b.rdb.Get(ctx, b.key("report", key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("report %s: %w", key, jobs.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("redisjobs: recall %s: %w", key, err)
	}
	return v, nil
}
