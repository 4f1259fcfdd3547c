// This test runs client mode through the real server (package server,
// branch server). It passed on a merge of the client and server branches
// (git merge-tree); delete the build line above once both are merged.

package client_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/sbomread"
	"github.com/bulwark-sec/bulwark/server"
	"github.com/bulwark-sec/bulwark/server/client"
)

// Client mode through the real server: the second scan reads no layer,
// and both find what a local scan finds.
func TestEndToEndWithServer(t *testing.T) {
	s, err := server.New(server.Config{
		Token:       token,
		Pipeline:    pipeline.Options{CacheDir: t.TempDir(), DB: demoDB},
		TempDir:     t.TempDir(),
		ScanTimeout: 2 * time.Minute,
		SBOMDecoder: sbomread.Read,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	ctx := context.Background()
	local, err := pipeline.Run(ctx, demo, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true, Secret: true}, NoCache: true, DB: demoDB})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts.URL, token, client.Options{})
	for i, wantAnalysed := range []int{-1, 0} {
		walk := &walkCount{}
		rep, err := c.Scan(ctx, demo, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true, Secret: true}, Progress: walk})
		if err != nil {
			t.Fatal(err)
		}
		if wantAnalysed < 0 {
			wantAnalysed = walk.layers
		}
		if walk.analysed != wantAnalysed {
			t.Errorf("scan %d: %d of %d layers analysed, want %d", i, walk.analysed, walk.layers, wantAnalysed)
		}
		if got, want := findings(rep), findings(local); !slices.Equal(got, want) {
			t.Errorf("scan %d: vulnerabilities:\n got %v\nwant %v", i, got, want)
		}
		if got, want := secrets(rep), secrets(local); !slices.Equal(got, want) {
			t.Errorf("scan %d: secrets:\n got %v\nwant %v", i, got, want)
		}
	}
	// A wrong token is refused before any layer is read.
	bad := newClient(t, ts.URL, "nope", client.Options{})
	walk := &walkCount{}
	if _, err := bad.Scan(ctx, demo, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}, Progress: walk, Parallel: 1}); !client.Unauthorized(err) || walk.analysed > 1 {
		t.Errorf("wrong token: %v after %d layers", err, walk.analysed)
	}
}
