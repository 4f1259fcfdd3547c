package jobs_test

import (
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/jobs/jobstest"
)

func TestMemory(t *testing.T) {
	jobstest.Run(t, func(t *testing.T, lease time.Duration) (jobs.Queue, jobs.Store) {
		m := jobs.NewMemory()
		m.LeaseTimeout = lease
		return m, m
	})
}
