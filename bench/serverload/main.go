// Command serverload puts a bulwark scan server under load: it submits N
// image scans from C concurrent clients, follows each until it is done or
// failed, fetches its report, and prints throughput, latency percentiles
// and failures by reason.
//
//	serverload -url http://127.0.0.1:8080 -token $TOKEN [-n 200] [-c 20] IMAGE...
//	serverload -url ... -images refs.txt
//
// Every loop is bounded: N requests, and -timeout for the whole run.
// Latency is from submission to the report fetched.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	var cfg config
	var imagesFile string
	flag.StringVar(&cfg.base, "url", "", "the server's base URL (required)")
	flag.StringVar(&cfg.token, "token", os.Getenv("BULWARK_TOKEN"), "bearer token (default $BULWARK_TOKEN)")
	flag.IntVar(&cfg.n, "n", 200, "scan requests to send")
	flag.IntVar(&cfg.c, "c", 20, "concurrent clients")
	flag.DurationVar(&cfg.poll, "poll", 250*time.Millisecond, "pause between status polls of one scan")
	flag.DurationVar(&cfg.timeout, "timeout", 15*time.Minute, "bound on the whole run")
	flag.StringVar(&cfg.scanners, "scanners", "", "the requests' scanners (default: the server's)")
	flag.StringVar(&imagesFile, "images", "", "file of image references, one a line (besides any given as arguments)")
	asJSON := flag.Bool("json", false, "print the summary as JSON")
	flag.Parse()
	cfg.images = flag.Args()
	if imagesFile != "" {
		refs, err := readLines(imagesFile)
		if err != nil {
			fatal(err)
		}
		cfg.images = append(cfg.images, refs...)
	}
	if err := cfg.check(); err != nil {
		fatal(err)
	}
	cfg.client = &http.Client{Timeout: time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	start := time.Now()
	outcomes := run(ctx, cfg)
	s := summarize(outcomes, time.Since(start))
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(s)
	} else {
		s.print(os.Stdout)
	}
	if s.Failed > 0 || s.Disagreements > 0 {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "serverload:", err)
	os.Exit(2)
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines, sc.Err()
}

type config struct {
	base     string
	token    string
	images   []string
	scanners string
	n, c     int
	poll     time.Duration
	timeout  time.Duration
	client   *http.Client
}

func (c *config) check() error {
	u, err := url.Parse(c.base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-url %q: want http(s)://host:port", c.base)
	}
	c.base = strings.TrimSuffix(c.base, "/")
	switch {
	case c.token == "":
		return errors.New("no token: -token or $BULWARK_TOKEN")
	case len(c.images) == 0:
		return errors.New("no images: name them as arguments or with -images")
	case c.n <= 0 || c.c <= 0:
		return fmt.Errorf("-n %d -c %d: both must be positive", c.n, c.c)
	case c.poll <= 0 || c.timeout <= 0:
		return errors.New("-poll and -timeout must be positive")
	}
	return nil
}

// outcome is one request's end: err is nil when its report was fetched.
type outcome struct {
	image   string
	latency time.Duration
	err     error
	// findings fingerprints the report's findings (reportFindings).
	findings string
}

// reportFindings is what a report says that must not depend on which
// worker made it, or whether one died on the way.
type reportFindings struct {
	Vulnerabilities []struct {
		ID      string
		Package struct{ Name, Version string }
	}
	Secrets []struct {
		RuleID string
		Path   string
		Layer  int
	}
}

// fingerprint is a short hash of the sorted findings.
func (r reportFindings) fingerprint() string {
	var lines []string
	for _, v := range r.Vulnerabilities {
		lines = append(lines, "vuln "+v.ID+" "+v.Package.Name+" "+v.Package.Version)
	}
	for _, s := range r.Secrets {
		lines = append(lines, fmt.Sprintf("secret %s %s %d", s.RuleID, s.Path, s.Layer))
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return fmt.Sprintf("%d findings, %x", len(lines), sum[:6])
}

// run sends cfg.n requests from cfg.c clients and returns their outcomes
// in request order.
func run(ctx context.Context, cfg config) []outcome {
	out := make([]outcome, cfg.n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(cfg.c, cfg.n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				image := cfg.images[i%len(cfg.images)]
				start := time.Now()
				fp, err := cfg.scan(ctx, image)
				out[i] = outcome{image: image, latency: time.Since(start), err: err, findings: fp}
			}
		}()
	}
	for i := range cfg.n {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// scan submits one request, polls its status and fetches its report.
func (c config) scan(ctx context.Context, image string) (string, error) {
	body, _ := json.Marshal(map[string]string{"image": image, "scanners": c.scanners})
	var accepted struct{ ID, State string }
	if err := c.call(ctx, http.MethodPost, "/v1/scans", body, http.StatusAccepted, &accepted); err != nil {
		return "", fmt.Errorf("submit: %w", err)
	}
	if accepted.ID == "" {
		return "", errors.New("submit: answer without an id")
	}
	for {
		var st struct{ State, Error string }
		if err := c.call(ctx, http.MethodGet, "/v1/scans/"+url.PathEscape(accepted.ID), nil, http.StatusOK, &st); err != nil {
			return "", fmt.Errorf("status: %w", err)
		}
		switch st.State {
		case "done":
			var rep reportFindings
			if err := c.call(ctx, http.MethodGet, "/v1/scans/"+url.PathEscape(accepted.ID)+"/report?format=json", nil, http.StatusOK, &rep); err != nil {
				return "", fmt.Errorf("report: %w", err)
			}
			return rep.fingerprint(), nil
		case "failed":
			return "", fmt.Errorf("failed: %s", st.Error)
		}
		t := time.NewTimer(c.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", fmt.Errorf("still %s when the run's time ran out", st.State)
		case <-t.C:
		}
	}
}

// call makes one request and wants status want; a non-nil into receives
// the JSON answer, else the body is read and must not be empty.
func (c config) call(ctx context.Context, method, path string, body []byte, want int, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("the run's time ran out")
		}
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, firstLine(data))
	}
	if into == nil {
		if len(data) == 0 {
			return errors.New("empty answer")
		}
		return nil
	}
	return json.Unmarshal(data, into)
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// summary is what a run measured.
type summary struct {
	Requests      int            `json:"requests"`
	Done          int            `json:"done"`
	Failed        int            `json:"failed"`
	WallSeconds   float64        `json:"wall_seconds"`
	ScansPerSec   float64        `json:"scans_per_second"`
	P50Seconds    float64        `json:"p50_seconds"`
	P95Seconds    float64        `json:"p95_seconds"`
	MaxSeconds    float64        `json:"max_seconds"`
	FailureCounts map[string]int `json:"failures,omitempty"`
	// Findings is, per image (its repository without the registry host,
	// so runs against different registries compare), the findings
	// fingerprints its reports had; more than one is a disagreement.
	Findings map[string][]string `json:"findings"`
	// Disagreements counts images whose reports differed.
	Disagreements int `json:"disagreements"`
}

func summarize(outcomes []outcome, wall time.Duration) summary {
	s := summary{Requests: len(outcomes), WallSeconds: wall.Seconds(), FailureCounts: map[string]int{}, Findings: map[string][]string{}}
	var lat []time.Duration
	for _, o := range outcomes {
		if o.err != nil {
			s.Failed++
			s.FailureCounts[o.err.Error()]++
			continue
		}
		s.Done++
		lat = append(lat, o.latency)
		repo := o.image
		if _, rest, ok := strings.Cut(o.image, "/"); ok {
			repo = rest
		}
		if !slices.Contains(s.Findings[repo], o.findings) {
			s.Findings[repo] = append(s.Findings[repo], o.findings)
			if len(s.Findings[repo]) == 2 {
				s.Disagreements++
			}
		}
	}
	if wall > 0 {
		s.ScansPerSec = float64(s.Done) / wall.Seconds()
	}
	slices.Sort(lat)
	s.P50Seconds = percentile(lat, 0.50).Seconds()
	s.P95Seconds = percentile(lat, 0.95).Seconds()
	if len(lat) > 0 {
		s.MaxSeconds = lat[len(lat)-1].Seconds()
	}
	return s
}

// percentile is the nearest-rank percentile of sorted: the smallest value
// with at least p of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func (s summary) print(w io.Writer) {
	fmt.Fprintf(w, "requests %d: %d done, %d failed in %.1f s\n", s.Requests, s.Done, s.Failed, s.WallSeconds)
	fmt.Fprintf(w, "throughput %.2f scans/s\n", s.ScansPerSec)
	fmt.Fprintf(w, "latency p50 %.2f s, p95 %.2f s, max %.2f s\n", s.P50Seconds, s.P95Seconds, s.MaxSeconds)
	reasons := make([]string, 0, len(s.FailureCounts))
	for r := range s.FailureCounts {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		a, b := s.FailureCounts[reasons[i]], s.FailureCounts[reasons[j]]
		return a > b || a == b && reasons[i] < reasons[j]
	})
	for _, r := range reasons {
		fmt.Fprintf(w, "  %5d × %s\n", s.FailureCounts[r], r)
	}
	fmt.Fprintf(w, "images whose reports disagreed: %d\n", s.Disagreements)
	repos := make([]string, 0, len(s.Findings))
	for r := range s.Findings {
		repos = append(repos, r)
	}
	sort.Strings(repos)
	for _, r := range repos {
		fmt.Fprintf(w, "  %s: %s\n", r, strings.Join(s.Findings[r], " | "))
	}
}
