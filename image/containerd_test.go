package image

import (
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestContainerdErrors covers what a real containerd run as root cannot be
// made to answer: permission denied on the socket.
func TestContainerdErrors(t *testing.T) {
	c := &ctrd{address: "/run/containerd/containerd.sock", namespace: "k8s.io"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: permission denied"`),
			"permission denied on the containerd socket /run/containerd/containerd.sock: run as root"},
		{status.Error(codes.Unavailable, "connect: connection refused"), "cannot reach containerd at /run/containerd/containerd.sock"},
		{status.Error(codes.NotFound, "image \"x\": not found"), `no image x in namespace "k8s.io" of containerd`},
		{status.Error(codes.Internal, "boom"), "containerd at /run/containerd/containerd.sock: Internal: boom"},
	} {
		if got := c.rpcError(tc.err, "x").Error(); !strings.Contains(got, tc.want) {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestContainerdDockerName(t *testing.T) {
	for in, want := range map[string]string{
		"debian":                   "docker.io/library/debian:latest",
		"bulwark-test/debian:12":   "docker.io/bulwark-test/debian:12",
		"registry.example/app:1":   "registry.example/app:1",
		"debian@sha256:" + zeros64: "docker.io/library/debian@sha256:" + zeros64,
	} {
		if got := dockerName(in); got != want {
			t.Errorf("dockerName(%q) = %q, want %q", in, got, want)
		}
	}
}

const zeros64 = "0000000000000000000000000000000000000000000000000000000000000000"

func TestContainerdVerifier(t *testing.T) {
	d := v1.Hash{Algorithm: "sha256", Hex: zeros64}
	_, err := io.ReadAll(newVerifier(io.NopCloser(strings.NewReader("tampered")), d))
	if err == nil || !strings.Contains(err.Error(), "from containerd hashes to sha256:") {
		t.Errorf("mismatch: %v", err)
	}
	good := "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" // "hello"
	h, _ := v1.NewHash(good)
	if b, err := io.ReadAll(newVerifier(io.NopCloser(strings.NewReader("hello")), h)); err != nil || string(b) != "hello" {
		t.Errorf("match: %q %v", b, err)
	}
}
