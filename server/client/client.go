// Package client is the client side of the scan server's client mode
// (bulwark image --server URL), as Trivy's client is to its server: the
// image is walked here, with the server's layer store as the layer cache,
// so only layers the server has not seen are analysed and their results
// uploaded; the inventory is then sent to the server, whose database
// matches it. The client needs no database; secrets and configuration are
// found here and never leave the machine.
//
// The HTTP API is the server's (package server): GET and PUT
// /v1/layers/{key} with layerfs cache keys, path-escaped, and POST
// /v1/match with a report's inventory, answered by the matched report. Every
// request carries "Authorization: Bearer <token>".
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
)

// Bounds on what the client reads from a server.
const (
	// MaxLayerResult is the largest layer result downloaded; a larger
	// answer is a cache miss (the layer is analysed here instead).
	MaxLayerResult = 256 << 20
	// MaxReport is the largest matched report read back.
	MaxReport = 256 << 20
	// maxErrorBody is how much of an error answer is quoted.
	maxErrorBody = 4 << 10
)

// DefaultTimeout bounds each request to the server.
const DefaultTimeout = 5 * time.Minute

// Options configure how the client reaches the server.
type Options struct {
	// CAFile is a PEM bundle of certificates to trust for the server's
	// TLS certificate, besides the system's (a server with a private CA).
	CAFile string
	// Timeout bounds each request (default DefaultTimeout).
	Timeout time.Duration
	// Transport, when set, carries every request (tests); CAFile then
	// does not apply.
	Transport http.RoundTripper
}

// Client talks to one scan server.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// New returns a client of the server at baseURL (http or https, with an
// optional path prefix) that sends token.
func New(baseURL, token string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want http://HOST[:PORT] or https://HOST[:PORT]", baseURL)
	}
	rt := opts.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		// The walk asks for several layers at once; keep their
		// connections instead of the default two.
		t.MaxIdleConnsPerHost = 16
		if opts.CAFile != "" {
			pool, err := certPool(opts.CAFile)
			if err != nil {
				return nil, err
			}
			t.TLSClientConfig.RootCAs = pool
		}
		rt = t
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{base: u, token: token, http: &http.Client{Transport: rt, Timeout: timeout}}, nil
}

// certPool is the system's roots and the certificates of a PEM file.
func certPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("server CA: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("server CA: %s holds no PEM certificate", path)
	}
	return pool, nil
}

// StatusError is an answer of the server other than the one asked for.
type StatusError struct {
	// Op is what was asked ("match", "get layer", "put layer").
	Op string
	// Code is the HTTP status and Message what the server said.
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	var why string
	switch {
	case e.Code == http.StatusUnauthorized || e.Code == http.StatusForbidden:
		why = "the server refused the token (give it with --token or $BULWARK_TOKEN)"
	case e.Code == http.StatusRequestEntityTooLarge:
		why = "the request is larger than the server accepts"
	case e.Code >= 500:
		why = "the server failed"
	default:
		why = "the server refused the request"
	}
	msg := fmt.Sprintf("server: %s: %s (%d %s)", e.Op, why, e.Code, http.StatusText(e.Code))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Unauthorized reports whether err is the server refusing the token.
func Unauthorized(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden)
}

// do sends one request and returns the answer when its status is want;
// any other is a *StatusError, and the body is closed.
func (c *Client) do(ctx context.Context, op, method, path string, body []byte, contentType string, want ...int) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, r)
	if err != nil {
		return nil, fmt.Errorf("server: %s: %w", op, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var unknownCA x509.UnknownAuthorityError
		if errors.As(err, &unknownCA) {
			return nil, fmt.Errorf("server: %s: %w (trust the server's CA with --server-ca)", op, err)
		}
		return nil, fmt.Errorf("server: %s: %w", op, err)
	}
	for _, w := range want {
		if resp.StatusCode == w {
			return resp, nil
		}
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return nil, &StatusError{Op: op, Code: resp.StatusCode, Message: errorMessage(text)}
}

// errorMessage reads an error answer: {"error": "..."} or plain text.
func errorMessage(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(body), "?"))
}

// Match sends a report's artifact and inventory to the server and returns
// the server's report: the same, with the vulnerabilities, suppressed
// findings, coverage and database of the server's match. Nothing else of
// rep is sent (secrets found here stay here).
func (c *Client) Match(ctx context.Context, rep *report.Report) (*report.Report, error) {
	sent := report.Report{
		SchemaVersion: rep.SchemaVersion,
		Tool:          rep.Tool,
		CreatedAt:     rep.CreatedAt,
		Artifact:      rep.Artifact,
		Inventory:     rep.Inventory,
	}
	body, err := json.Marshal(&sent)
	if err != nil {
		return nil, fmt.Errorf("server: match: %w", err)
	}
	resp, err := c.do(ctx, "match", http.MethodPost, "/v1/match", body, "application/json", http.StatusOK)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxReport+1))
	if err != nil {
		return nil, fmt.Errorf("server: match: reading the answer: %w", err)
	}
	if len(data) > MaxReport {
		return nil, fmt.Errorf("server: match: the answer is over %d bytes", MaxReport)
	}
	var out report.Report
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("server: match: the answer is not a report: %w", err)
	}
	// A match always says what the database covered; a report without
	// it was not matched.
	if out.Coverage == nil {
		return nil, fmt.Errorf("server: match: the answer holds no vulnerability results")
	}
	if out.Vulnerabilities == nil {
		out.Vulnerabilities = []result.Vulnerability{}
	}
	return &out, nil
}
