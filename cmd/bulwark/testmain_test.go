package main

import (
	"os"
	"testing"

	"github.com/bulwark-sec/bulwark/extract/rpm"
)

// TestMain lets rpm databases be read in child processes of the test
// binary, as the real binary reads them.
func TestMain(m *testing.M) {
	rpm.Isolate()
	os.Exit(m.Run())
}
