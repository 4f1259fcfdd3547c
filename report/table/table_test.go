package table

import (
	"bytes"
	"errors"
	"flag"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/internal/testreport"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, testreport.Sample()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "sample.txt", buf.Bytes(), *update)

	buf.Reset()
	if err := Write(&buf, &report.Report{Artifact: result.Artifact{Name: "empty", Kind: result.KindRootfs}}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "empty.txt", buf.Bytes(), *update)

	// An image that declares no base image says so; one that declares
	// only a digest, by label, shows that.
	undeclared := testreport.Sample()
	undeclared.Artifact.BaseImage = nil
	buf.Reset()
	if err := Write(&buf, undeclared); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("  base:      unknown (the image declares no org.opencontainers.image.base.name)\n")) {
		t.Errorf("no unknown base image line:\n%s", buf.Bytes())
	}
	undeclared.Artifact.BaseImage = &result.BaseImage{Digest: "sha256:4444", Source: "label"}
	buf.Reset()
	if err := Write(&buf, undeclared); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("  base:      sha256:4444 (declared by a config label)\n")) {
		t.Errorf("no digest-only base image line:\n%s", buf.Bytes())
	}
	buf.Reset()
	if err := Write(&buf, &report.Report{Artifact: result.Artifact{Name: "empty", Kind: result.KindRootfs}}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "empty.txt", buf.Bytes(), *update)

	buf.Reset()
	if err := Write(&buf, testreport.SampleWithFindings()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "findings.txt", buf.Bytes(), *update)

	config := testreport.SampleWithFindings()
	config.Artifact = result.Artifact{Name: "deploy/", Kind: result.KindConfig}
	config.ConfigFiles = 12
	buf.Reset()
	if err := Write(&buf, config); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "config.txt", buf.Bytes(), *update)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	if err := Write(failWriter{}, testreport.Sample()); err == nil {
		t.Error("write error lost")
	}
}
