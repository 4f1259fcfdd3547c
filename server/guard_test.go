package server

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/jobs"
)

func TestPublicAddr(t *testing.T) {
	for _, tt := range []struct {
		addr   string
		public bool
	}{
		{"8.8.8.8", true}, {"151.101.0.1", true}, {"2001:4860:4860::8888", true},
		{"127.0.0.1", false}, {"127.8.9.10", false}, {"::1", false}, {"::ffff:127.0.0.1", false},
		{"10.1.2.3", false}, {"172.16.0.1", false}, {"192.168.1.1", false}, {"fd00::1", false}, {"fd00:ec2::254", false},
		{"169.254.169.254", false}, {"fe80::1", false}, {"0.0.0.0", false}, {"::", false}, {"0.1.2.3", false},
		{"100.100.100.200", false}, {"224.0.0.1", false}, {"255.255.255.255", false}, {"64:ff9b::a00:1", false},
	} {
		if got := publicAddr(netip.MustParseAddr(tt.addr)); got != tt.public {
			t.Errorf("publicAddr(%s) = %v", tt.addr, got)
		}
	}
}

// An image on an internal address is refused when it is asked for, before
// anything connects to it.
func TestInternalRegistryRefused(t *testing.T) {
	l := listenCounting(t)
	port := l.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	h := start(t, 1, nil)
	for _, image := range []string{
		l.Addr().String() + "/x:1",
		"localhost:" + strconv.Itoa(int(port)) + "/x:1",
		"[::1]:" + strconv.Itoa(int(port)) + "/x:1",
		"169.254.169.254/latest/meta:1",
		"10.0.0.1:5000/x:1",
		"[fd00:ec2::254]/x:1",
	} {
		resp, data := h.do("POST", "/v1/scans", strings.NewReader(`{"image":"`+image+`"}`))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(data), "allow-list") {
			t.Errorf("%s: %d %s", image, resp.StatusCode, data)
		}
	}
	// With an allow-list, only what it names.
	h2 := start(t, 1, func(c *Config) { c.AllowRegistries = []string{"registry.example", "docker.io"} })
	for image, ok := range map[string]bool{
		"registry.example/app:1":      true,
		"alpine:3":                    true, // Docker Hub
		"docker.io/library/alpine:3":  true,
		"registry.example:5000/app:1": false,
		"other.example/app:1":         false,
		l.Addr().String() + "/x:1":    false,
	} {
		resp, data := h2.do("POST", "/v1/scans", strings.NewReader(`{"image":"`+image+`"}`))
		if (resp.StatusCode == http.StatusAccepted) != ok {
			t.Errorf("allow-list, %s: %d %s", image, resp.StatusCode, data)
		}
	}
	if n := l.n.Load(); n != 0 {
		t.Errorf("%d connections to the internal address", n)
	}
}

// The guard's transport refuses internal addresses at connect time,
// whatever name led there, unless the registry is allow-listed.
func TestDialGuard(t *testing.T) {
	l := listenCounting(t)
	addr := l.Addr().String()
	port := addr[strings.LastIndex(addr, ":")+1:]
	g, err := newRegistryGuard(nil, nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://" + addr + "/v2/", "http://localhost:" + port + "/v2/"} {
		resp, err := (&http.Client{Transport: g.transport}).Get(u)
		if err == nil {
			resp.Body.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "refusing to connect") {
			t.Errorf("%s: %v", u, err)
		}
	}
	if n := l.n.Load(); n != 0 {
		t.Errorf("%d connections made", n)
	}
	trusted, err := newRegistryGuard([]string{addr}, nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := (&http.Client{Transport: trusted.transport}).Get("http://" + addr + "/v2/"); err == nil {
		resp.Body.Close()
	}
	if n := l.n.Load(); n != 1 {
		t.Errorf("allow-listed: %d connections, want 1", n)
	}
	for _, bad := range []string{"", "a/b", "user@host", "bad host"} {
		if _, err := newRegistryGuard([]string{bad}, nil, time.Second); err == nil {
			t.Errorf("allow-list entry %q accepted", bad)
		}
	}
}

// An allowed registry that redirects to an internal address does not get
// the worker there.
func TestRedirectRefused(t *testing.T) {
	internal := listenCounting(t)
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		http.Redirect(w, r, "http://"+internal.Addr().String()+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	h := start(t, 1, func(c *Config) { c.AllowRegistries = []string{host} })
	st := h.wait(h.submit(jobs.Request{Image: host + "/app:1"}))
	if st.State != jobs.Failed || !strings.Contains(st.Error, "refusing to connect") {
		t.Errorf("%+v", st)
	}
	if n := internal.n.Load(); n != 0 {
		t.Errorf("%d connections to the internal address", n)
	}
}

// A registry that fails, in front of a real one: the job fails saying why.
func TestRegistryFaults(t *testing.T) {
	real := testregistry.Start(t, testregistry.Options{})
	push(t, real+"/demo/app:1", demo(t))
	target, _ := url.Parse("http://" + real)
	proxy := httputil.NewSingleHostReverseProxy(target)
	type faultFunc func(w http.ResponseWriter, r *http.Request) bool
	var fault atomic.Pointer[faultFunc]
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !(*fault.Load())(w, r) {
			proxy.ServeHTTP(w, r)
		}
	}))
	defer front.Close()
	host := strings.TrimPrefix(front.URL, "http://")
	h := start(t, 1, func(c *Config) {
		c.AllowRegistries = []string{host}
		c.RegistryTimeout = 300 * time.Millisecond
	})
	blob := func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/blobs/") }
	tests := []struct {
		name  string
		fault faultFunc
		says  string
	}{
		{"unauthorized", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return true
		}, "access denied by the registry (HTTP 401)"},
		{"server error", func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}, "500"},
		{"server error on blobs", func(w http.ResponseWriter, r *http.Request) bool {
			if blob(r) {
				w.WriteHeader(http.StatusInternalServerError)
			}
			return blob(r)
		}, "500"},
		{"no answer", func(w http.ResponseWriter, r *http.Request) bool {
			if strings.Contains(r.URL.Path, "/manifests/") {
				time.Sleep(time.Second)
				return true
			}
			return false
		}, "timeout awaiting response headers"},
		{"blob cut short", func(w http.ResponseWriter, r *http.Request) bool {
			if !blob(r) || r.Method != http.MethodGet {
				return false
			}
			// Half the blob, then the connection is dropped.
			rec := httptest.NewRecorder()
			proxy.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			w.Write(body[:len(body)/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}, "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fault.Store(&tt.fault)
			st := h.wait(h.submit(jobs.Request{Image: host + "/demo/app:1"}))
			t.Log(st.Error)
			if st.State != jobs.Failed || !strings.Contains(st.Error, tt.says) {
				t.Errorf("%s, want failed saying %q", st.Error, tt.says)
			}
		})
	}
	none := faultFunc(func(http.ResponseWriter, *http.Request) bool { return false })
	fault.Store(&none)
	if rep := h.scan(jobs.Request{Image: host + "/demo/app:1"}); len(rep.Vulnerabilities) == 0 {
		t.Error("no vulnerabilities once the faults are gone")
	}
}

// FuzzReference: whatever a request names, the guard accepts only a
// registry reference of an allowed registry, and says why it refuses.
func FuzzReference(f *testing.F) {
	for _, s := range []string{"registry.example/app:1", "registry.example/app@sha256:" + strings.Repeat("a", 64),
		"/etc/passwd", "docker://x", "127.0.0.1:5000/x", "registry.example:443/a", "REGISTRY.example/a", "registry.example/../x"} {
		f.Add(s)
	}
	g, err := newRegistryGuard([]string{"registry.example"}, nil, time.Second)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, image string) {
		ref, err := g.reference(t.Context(), image, false)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("%q: %v does not say it is the request's fault", image, err)
			}
			return
		}
		if reg := ref.Context().RegistryStr(); reg != "registry.example" {
			t.Fatalf("%q accepted, registry %q", image, reg)
		}
	})
}
