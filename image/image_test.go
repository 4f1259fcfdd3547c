package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/result"
)

// debianImage is the real two-layer Debian fixture (testdata/images).
func debianImage(t testing.TB) v1.Image {
	t.Helper()
	var layers []v1.Layer
	for _, n := range []string{"layer0.tar.gz", "layer1.tar.gz"} {
		l, err := tarball.LayerFromFile(filepath.Join("..", "testdata", "images", n))
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, l)
	}
	img, err := testimage.Image(layers...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func smallImage(t testing.TB, arch, marker string) v1.Image {
	t.Helper()
	l, err := testimage.Layer([]testimage.File{{Path: "etc/marker", Body: []byte(marker)}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := testimage.ImageFor("linux", arch, l)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// checkLayers reads every layer stream of src and checks that it hashes to
// the layer's diff ID: the stream is exactly the layer's uncompressed tar.
func checkLayers(t *testing.T, src *Source, want v1.Image) {
	t.Helper()
	cfg, err := want.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Layers) != len(cfg.RootFS.DiffIDs) {
		t.Fatalf("got %d layers, want %d", len(src.Layers), len(cfg.RootFS.DiffIDs))
	}
	for i, l := range src.Layers {
		if l.DiffID != cfg.RootFS.DiffIDs[i].String() || l.Index != i {
			t.Errorf("layer %d: diff ID %s, want %s", i, l.DiffID, cfg.RootFS.DiffIDs[i])
		}
		if l.CreatedBy != fmt.Sprintf("test layer %d", i) {
			t.Errorf("layer %d: createdBy %q", i, l.CreatedBy)
		}
		rc, err := l.Open()
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		h := sha256.New()
		if _, err := io.Copy(h, rc); err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		rc.Close()
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != l.DiffID {
			t.Errorf("layer %d: stream hashes to %s, want %s", i, got, l.DiffID)
		}
	}
}

func TestOpenLocalKinds(t *testing.T) {
	img := debianImage(t)
	id, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests := []struct {
		name  string
		write func(p string) error
		kind  string
		tags  []string
	}{
		{"docker-archive gzip", func(p string) error { return testimage.WriteDockerArchive(p, "example.com/debian:12", img) }, result.KindDockerArchive, []string{"example.com/debian:12"}},
		{"docker-archive plain", func(p string) error { return testimage.WriteDockerArchiveUncompressed(p, "debian:12", img) }, result.KindDockerArchive, []string{"debian:12"}},
		{"oci-archive", func(p string) error { return testimage.WriteOCIArchive(p, img) }, result.KindOCIArchive, nil},
		{"oci-layout", func(p string) error { return testimage.WriteOCILayout(p, "debian:12", img) }, result.KindOCILayout, []string{"debian:12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := tt.write(p); err != nil {
				t.Fatal(err)
			}
			src, err := Open(context.Background(), p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			a := src.Artifact
			if a.Kind != tt.kind || a.Name != p || a.ImageID != id.String() || a.OS != "linux" || a.Architecture != "amd64" {
				t.Errorf("artifact = %+v", a)
			}
			if fmt.Sprint(a.RepoTags) != fmt.Sprint(tt.tags) {
				t.Errorf("tags = %v, want %v", a.RepoTags, tt.tags)
			}
			if tt.kind == result.KindOCILayout || tt.kind == result.KindOCIArchive {
				if d, _ := img.Digest(); a.ManifestDigest != d.String() {
					t.Errorf("manifest digest = %s, want %s", a.ManifestDigest, d)
				}
			}
			checkLayers(t, src, img)
		})
	}
}

func TestOCIArchiveTempDirRemoved(t *testing.T) {
	p := filepath.Join(t.TempDir(), "img.tar")
	if err := testimage.WriteOCIArchive(p, smallImage(t, "amd64", "x")); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	src, err := Open(context.Background(), p, Options{TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 1 {
		t.Fatalf("temp dir holds %d entries, want the unpacked layout", len(ents))
	}
	src.Close()
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("temp dir not cleaned: %v", ents)
	}
}

func TestMultiImageDockerArchive(t *testing.T) {
	p := filepath.Join(t.TempDir(), "multi.tar")
	err := testimage.WriteMultiDockerArchive(p, map[string]v1.Image{
		"example.com/app:1": smallImage(t, "amd64", "one"),
		"example.com/app:2": smallImage(t, "arm64", "two"),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), p, Options{})
	if err == nil || !strings.Contains(err.Error(), "holds 2 images") || !strings.Contains(err.Error(), "example.com/app:2") {
		t.Errorf("no selection: err = %v", err)
	}
	src, err := Open(context.Background(), p+":example.com/app:2", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.Artifact.Architecture != "arm64" || fmt.Sprint(src.Artifact.RepoTags) != "[example.com/app:2]" {
		t.Errorf("picked %+v", src.Artifact)
	}
	if _, err := Open(context.Background(), p+":example.com/app:3", Options{}); err == nil || !strings.Contains(err.Error(), "no image tagged") {
		t.Errorf("unknown tag: err = %v", err)
	}
}

func TestOCILayoutPlatforms(t *testing.T) {
	idx, err := testimage.Index(smallImage(t, "amd64", "a"), smallImage(t, "arm64", "b"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	if err := testimage.WriteOCILayoutIndex(dir, idx); err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		src, err := Open(context.Background(), dir, Options{Platform: "linux/" + arch})
		if err != nil {
			t.Fatal(err)
		}
		if src.Artifact.Architecture != arch {
			t.Errorf("platform linux/%s picked %s", arch, src.Artifact.Architecture)
		}
	}
	if _, err := Open(context.Background(), dir, Options{Platform: "linux/s390x"}); err == nil || !strings.Contains(err.Error(), "none for platform") {
		t.Errorf("missing platform: err = %v", err)
	}
}

func TestRootfs(t *testing.T) {
	dir := t.TempDir()
	src, err := OpenRootfs(dir)
	if err != nil || src.RootDir != dir || src.Artifact.Kind != result.KindRootfs {
		t.Fatalf("OpenRootfs = %+v, %v", src, err)
	}
	f := filepath.Join(dir, "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := OpenRootfs(f); err == nil {
		t.Error("a file opened as rootfs")
	}
	if _, err := Open(context.Background(), dir, Options{}); err == nil || !strings.Contains(err.Error(), "--rootfs") {
		t.Errorf("plain directory as image: err = %v", err)
	}
}

func gzipBytes(data []byte) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

func TestBadArchives(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tar")
	if err := testimage.WriteDockerArchive(good, "a:1", debianImage(t)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	plainTar, _ := testimage.Tar([]testimage.File{{Path: "hello.txt", Body: []byte("hi")}})
	cases := []struct {
		name string
		body []byte
		want string
	}{
		{"empty file", nil, "not an image"},
		{"random bytes", bytes.Repeat([]byte{0xde, 0xad}, 4096), "not a readable tar"},
		{"not an image", plainTar, "not an image"},
		{"truncated", data[:len(data)/3], ""},
		{"missing file", nil, "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".tar")
			if c.name != "missing file" {
				os.WriteFile(p, c.body, 0o644)
			}
			src, err := Open(context.Background(), p, Options{})
			if err == nil {
				// A truncated archive may open (its manifest comes
				// first); reading a layer must then fail.
				for _, l := range src.Layers {
					if rc, err2 := l.Open(); err2 != nil {
						err = err2
					} else {
						_, err = io.Copy(io.Discard, rc)
						rc.Close()
					}
					if err != nil {
						break
					}
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			if c.want != "" && !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to mention %q", err, c.want)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestDecompressionBomb(t *testing.T) {
	// 64 MiB of zeros compresses to about 64 KiB.
	bomb := gzipBytes(make([]byte, 64<<20))
	rc, err := decompress(io.NopCloser(bytes.NewReader(bomb)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	if !errors.Is(err, ErrTooLarge) || n > 1<<20 {
		t.Errorf("read %d bytes, err %v; want ErrTooLarge at 1 MiB", n, err)
	}
	// Exactly at the limit is fine.
	rc, _ = decompress(io.NopCloser(bytes.NewReader(gzipBytes(make([]byte, 1<<20)))), 1<<20)
	if n, err := io.Copy(io.Discard, rc); err != nil || n != 1<<20 {
		t.Errorf("at the limit: %d, %v", n, err)
	}
	// A corrupt gzip stream is an error, not a hang.
	bad := gzipBytes(bytes.Repeat([]byte("layer"), 1000))
	bad[len(bad)/2] ^= 0xff
	rc, err = decompress(io.NopCloser(bytes.NewReader(bad)), 1<<20)
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
	}
	if err == nil {
		t.Error("corrupt gzip read without error")
	}
}

func TestDecompressFormats(t *testing.T) {
	payload, _ := testimage.Tar([]testimage.File{{Path: "a", Body: []byte("x")}})
	for name, stored := range map[string][]byte{"plain": payload, "gzip": gzipBytes(payload)} {
		rc, err := decompress(io.NopCloser(bytes.NewReader(stored)), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err != nil || !bytes.Equal(got, payload) {
			t.Errorf("%s: got %d bytes, err %v", name, len(got), err)
		}
		if _, err := tar.NewReader(bytes.NewReader(got)).Next(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Registry tests run against Debian's real docker-registry server.

func push(t *testing.T, ref string, img v1.Image, opts ...remote.Option) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, opts...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}

func TestRegistryAnonymous(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{})
	img := debianImage(t)
	ref := host + "/library/debian:12"
	push(t, ref, img)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src, err := Open(ctx, ref, Options{Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	a := src.Artifact
	if a.Kind != result.KindRegistry || a.ManifestDigest != d.String() || fmt.Sprint(a.RepoDigests) != fmt.Sprintf("[%s/library/debian@%s]", host, d) {
		t.Errorf("artifact = %+v", a)
	}
	for i, l := range src.Layers {
		if l.Digest == "" || l.Size == 0 {
			t.Errorf("layer %d: no digest or size from the manifest", i)
		}
	}
	checkLayers(t, src, img)

	// Like Docker, loopback registries may speak plain HTTP without
	// --insecure.
	if _, err := Open(ctx, ref, Options{}); err != nil {
		t.Errorf("loopback registry without Insecure: %v", err)
	}
	// A tag that does not exist.
	if _, err := Open(ctx, host+"/library/debian:nope", Options{Insecure: true}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unknown tag: err = %v", err)
	}
}

func TestRegistryMultiArch(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{})
	idx, err := testimage.Index(smallImage(t, "amd64", "a"), smallImage(t, "arm64", "b"))
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host+"/multi:latest", name.Insecure)
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	idxDigest, _ := idx.Digest()
	for _, arch := range []string{"amd64", "arm64"} {
		src, err := Open(context.Background(), ref.String(), Options{Insecure: true, Platform: "linux/" + arch})
		if err != nil {
			t.Fatal(err)
		}
		if src.Artifact.Architecture != arch {
			t.Errorf("linux/%s picked %s", arch, src.Artifact.Architecture)
		}
		// The repo digest names the index, as docker pull reports it.
		if !strings.HasSuffix(src.Artifact.RepoDigests[0], idxDigest.String()) {
			t.Errorf("repo digest %v, want the index digest %s", src.Artifact.RepoDigests, idxDigest)
		}
	}
	if _, err := Open(context.Background(), ref.String(), Options{Insecure: true, Platform: "linux/riscv64"}); err == nil {
		t.Error("a platform the index lacks opened")
	}
}

func TestRegistryAuth(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{Htpasswd: map[string]string{"alice": "s3cret"}})
	img := smallImage(t, "amd64", "private")
	ref := host + "/private/app:1"
	push(t, ref, img, remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// An empty Docker config, so the machine's own credentials play no part.
	empty := t.TempDir()
	t.Setenv("DOCKER_CONFIG", empty)
	if _, err := Open(ctx, ref, Options{Insecure: true}); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("anonymous: err = %v", err)
	}
	if _, err := Open(ctx, ref, Options{Insecure: true, Username: "alice", Password: "wrong"}); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("wrong password: err = %v", err)
	}
	src, err := Open(ctx, ref, Options{Insecure: true, Username: "alice", Password: "s3cret"})
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	checkLayers(t, src, img)

	// An Authorization value, as Harbor hands a scanner.
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	if _, err := Open(ctx, ref, Options{Insecure: true, Authorization: basic}); err != nil {
		t.Errorf("Authorization %q: %v", basic, err)
	}
	for _, bad := range []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("alice:nope")), "Basic !!", "Digest x"} {
		if _, err := Open(ctx, ref, Options{Insecure: true, Authorization: bad}); err == nil {
			t.Errorf("Authorization %q: opened", bad)
		}
	}

	// Credentials from a Docker config file, as after docker login.
	withCfg := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)
	if err := os.WriteFile(filepath.Join(withCfg, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", withCfg)
	if _, err := Open(ctx, ref, Options{Insecure: true}); err != nil {
		t.Errorf("docker config credentials: %v", err)
	}
}

func TestRegistryUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	// Port 9 (discard) on loopback has no registry.
	_, err := Open(ctx, "127.0.0.1:9/nothing:1", Options{Insecure: true})
	if err == nil || !strings.Contains(err.Error(), "cannot reach registry") {
		t.Errorf("err = %v", err)
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("took %v to fail", time.Since(start))
	}
}

func FuzzOpenTar(f *testing.F) {
	dir := f.TempDir()
	p := filepath.Join(dir, "seed.tar")
	if err := testimage.WriteDockerArchive(p, "a:1", smallImage(f, "amd64", "x")); err != nil {
		f.Fatal(err)
	}
	seed, _ := os.ReadFile(p)
	f.Add(seed)
	plain, _ := testimage.Tar([]testimage.File{{Path: "manifest.json", Body: []byte(`[{"Config":"../../etc/passwd","Layers":["/dev/zero"]}]`)}})
	f.Add(plain)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "in.tar")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		src, err := Open(context.Background(), p, Options{MaxLayerSize: 1 << 20, TempDir: t.TempDir()})
		if err != nil {
			return
		}
		defer src.Close()
		for _, l := range src.Layers {
			if rc, err := l.Open(); err == nil {
				io.Copy(io.Discard, rc)
				rc.Close()
			}
		}
	})
}

// TestLegacyDockerArchiveSymlinks builds the layout older docker save
// writes: <id>/layer.tar per layer, a repeated layer stored as a symlink to
// the first copy.
func TestLegacyDockerArchiveSymlinks(t *testing.T) {
	layer, _ := testimage.Tar([]testimage.File{{Path: "etc/os-release", Body: []byte("ID=alpine\n")}})
	sum := sha256.Sum256(layer)
	diffID := "sha256:" + hex.EncodeToString(sum[:])
	cfg := fmt.Sprintf(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%q,%q]}}`, diffID, diffID)
	build := func(link string) string {
		files := []testimage.File{
			{Path: "cfg.json", Body: []byte(cfg)},
			{Path: "aaa/layer.tar", Body: layer},
			{Path: "bbb/layer.tar", Typeflag: tar.TypeSymlink, Linkname: link},
			{Path: "manifest.json", Body: []byte(`[{"Config":"cfg.json","RepoTags":["old:1"],"Layers":["aaa/layer.tar","bbb/layer.tar"]}]`)},
		}
		data, err := testimage.Tar(files)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "old.tar")
		os.WriteFile(p, data, 0o644)
		return p
	}
	src, err := Open(context.Background(), build("../aaa/layer.tar"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range src.Layers {
		rc, err := l.Open()
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		h := sha256.New()
		io.Copy(h, rc)
		rc.Close()
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != diffID {
			t.Errorf("layer %d hashes to %s, want %s", i, got, diffID)
		}
	}
	src, err = Open(context.Background(), build("../../../etc/passwd"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Layers[1].Open(); err == nil || !strings.Contains(err.Error(), "outside the archive") {
		t.Errorf("escaping symlink: err = %v", err)
	}
}

// TestRegistryOnly: targets a client names are registry references only,
// never this machine's files or engines.
func TestRegistryOnly(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "local.tar")
	if err := testimage.WriteDockerArchive(p, "a:1", smallImage(t, "amd64", "x")); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), p, Options{}); err != nil {
		t.Fatalf("without RegistryOnly: %v", err)
	}
	for _, target := range []string{p, "docker://a:1", "podman://a:1", "containerd://a:1", p + ":a:1"} {
		_, err := Open(context.Background(), target, Options{RegistryOnly: true})
		if err == nil || !strings.Contains(err.Error(), "image reference") {
			t.Errorf("%s: err = %v, want it refused as no image reference", target, err)
		}
	}
}
