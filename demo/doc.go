// Package demo holds Bulwark's demo: image.tar, a small image built from
// real packages with real mistakes planted in it, and db/, the slice of
// real advisory records a scan of it needs, so that a fresh clone can show
// a scan offline. The tests here check that both still say what
// README.md promises; build/ regenerates them.
package demo
