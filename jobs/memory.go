package jobs

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Memory is the queue and store of a server with no Redis: jobs live in
// the process, and a lease not extended within LeaseTimeout goes back to
// the queue (a worker goroutine that hung).
type Memory struct {
	// LeaseTimeout is how long a worker may go without Extend; 0 means
	// DefaultLeaseTimeout.
	LeaseTimeout time.Duration

	mu       sync.Mutex
	wake     chan struct{} // closed and replaced when a job may be free
	pending  []Job
	held     map[string]*memLease
	attempts map[string]int
	status   map[string]Status
	reports  map[string][]byte
	shared   map[string]memShared
	now      func() time.Time
}

type memShared struct {
	data    []byte
	expires time.Time
}

// DefaultLeaseTimeout is how long a job stays with a silent worker.
const DefaultLeaseTimeout = 2 * time.Minute

// NewMemory returns an empty in-process queue and store.
func NewMemory() *Memory {
	return &Memory{
		wake:     make(chan struct{}),
		held:     map[string]*memLease{},
		attempts: map[string]int{},
		status:   map[string]Status{},
		reports:  map[string][]byte{},
		shared:   map[string]memShared{},
		now:      time.Now,
	}
}

func (m *Memory) timeout() time.Duration {
	if m.LeaseTimeout > 0 {
		return m.LeaseTimeout
	}
	return DefaultLeaseTimeout
}

// signal wakes every waiting Next; m.mu is held.
func (m *Memory) signal() {
	close(m.wake)
	m.wake = make(chan struct{})
}

// Submit queues j.
func (m *Memory) Submit(ctx context.Context, j Job) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.attempts[j.ID]; dup {
		return fmt.Errorf("jobs: job %s already submitted", j.ID)
	}
	m.attempts[j.ID] = 0
	m.pending = append(m.pending, j)
	m.signal()
	return nil
}

// Next returns the oldest free job, waiting for one.
func (m *Memory) Next(ctx context.Context, worker string) (Lease, error) {
	for {
		m.mu.Lock()
		m.reclaim()
		if len(m.pending) > 0 {
			j := m.pending[0]
			m.pending = m.pending[1:]
			m.attempts[j.ID]++
			l := &memLease{m: m, job: j, attempt: m.attempts[j.ID], deadline: m.now().Add(m.timeout())}
			m.held[j.ID] = l
			m.mu.Unlock()
			return l, nil
		}
		wake := m.wake
		wait := m.timeout()
		for _, l := range m.held {
			if d := l.deadline.Sub(m.now()); d < wait {
				wait = d
			}
		}
		m.mu.Unlock()
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// reclaim puts jobs whose lease ran out back at the head of the queue;
// m.mu is held.
func (m *Memory) reclaim() {
	now := m.now()
	for id, l := range m.held {
		if now.After(l.deadline) {
			delete(m.held, id)
			l.lost = true
			m.pending = append([]Job{l.job}, m.pending...)
		}
	}
}

// Depth counts jobs submitted and not done.
func (m *Memory) Depth(ctx context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.pending) + len(m.held)), nil
}

type memLease struct {
	m        *Memory
	job      Job
	attempt  int
	deadline time.Time
	lost     bool
}

func (l *memLease) Job() Job     { return l.job }
func (l *memLease) Attempt() int { return l.attempt }

func (l *memLease) Extend(ctx context.Context) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if l.lost {
		return ErrLeaseLost
	}
	l.deadline = l.m.now().Add(l.m.timeout())
	return nil
}

func (l *memLease) Done(ctx context.Context) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if l.lost {
		return ErrLeaseLost
	}
	delete(l.m.held, l.job.ID)
	l.m.signal()
	return nil
}

// SetStatus records s.
func (m *Memory) SetStatus(ctx context.Context, s Status) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.status[s.ID] = s
	return nil
}

// Status returns the last status recorded for id.
func (m *Memory) Status(ctx context.Context, id string) (Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.status[id]
	if !ok {
		return Status{}, fmt.Errorf("job %s: %w", id, ErrNotFound)
	}
	return s, nil
}

// PutReport stores a job's report.
func (m *Memory) PutReport(ctx context.Context, id string, report []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reports[id] = report
	return nil
}

// Report returns a job's report.
func (m *Memory) Report(ctx context.Context, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.reports[id]
	if !ok {
		return nil, fmt.Errorf("report of job %s: %w", id, ErrNotFound)
	}
	return r, nil
}

// Remember keeps report under key for ttl.
func (m *Memory) Remember(ctx context.Context, key string, report []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.shared[key] = memShared{data: report, expires: m.now().Add(ttl)}
	return nil
}

// Recall returns the report kept under key, if it has not expired.
func (m *Memory) Recall(ctx context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.shared[key]
	if !ok || m.now().After(s.expires) {
		delete(m.shared, key)
		return nil, fmt.Errorf("report %s: %w", key, ErrNotFound)
	}
	return s.data, nil
}
