package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// registryGuard keeps clients from using the server to reach what they
// cannot reach themselves (SSRF): a request must name a registry
// reference, of an allowed registry, and every connection the workers open
// for it goes through a dialer that refuses loopback, private, link-local
// and other internal addresses, checked on the address actually dialled,
// after DNS (so a name that resolves differently the second time, or a
// redirect to an internal host, is refused too). Allow-listed registries
// are exempt from the address check: an operator who names one vouches
// for it.
type registryGuard struct {
	// allow holds the allowed registries as go-containerregistry names
	// them (docker.io is index.docker.io); empty allows any public one.
	allow    map[string]bool
	insecure map[string]bool
	// trusted are the dial addresses (host:port) of allowed registries.
	trusted   map[string]bool
	transport *http.Transport
	resolver  *net.Resolver
}

func newRegistryGuard(allow, insecure []string, responseTimeout time.Duration) (*registryGuard, error) {
	g := &registryGuard{allow: map[string]bool{}, insecure: map[string]bool{}, trusted: map[string]bool{}, resolver: net.DefaultResolver}
	for _, a := range allow {
		reg, err := registryName(a)
		if err != nil {
			return nil, err
		}
		g.allow[reg] = true
		host, port, err := net.SplitHostPort(reg)
		if err != nil { // no port: the default ports of both schemes
			g.trusted[net.JoinHostPort(reg, "443")] = true
			g.trusted[net.JoinHostPort(reg, "80")] = true
			continue
		}
		g.trusted[net.JoinHostPort(host, port)] = true
	}
	for _, a := range insecure {
		reg, err := registryName(a)
		if err != nil {
			return nil, err
		}
		g.insecure[reg] = true
	}
	g.transport = &http.Transport{
		// Registries are dialled directly: a proxy would be the one
		// connection the guard cannot see past.
		Proxy:                 nil,
		DialContext:           g.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: responseTimeout,
	}
	return g, nil
}

// registryName is an allow-list entry as references name registries.
func registryName(entry string) (string, error) {
	e := strings.TrimSpace(entry)
	if e == "" || strings.ContainsAny(e, "/@ ") {
		return "", fmt.Errorf("server: registry %q: want a host or host:port", entry)
	}
	reg, err := name.NewRegistry(e)
	if err != nil {
		return "", fmt.Errorf("server: registry %q: %w", entry, err)
	}
	return reg.RegistryStr(), nil
}

// reference parses a request's image as a registry reference the server
// may pull. Errors wrap ErrBadRequest.
// insecure asks for plain HTTP, as Harbor does for an http:// registry
// URL; the allow-list and the address checks apply all the same.
func (g *registryGuard) reference(ctx context.Context, image string, insecure bool) (name.Reference, error) {
	switch {
	case strings.TrimSpace(image) == "":
		return nil, fmt.Errorf("%w: image: name a registry reference (registry.example/repo:tag or @sha256:…)", ErrBadRequest)
	case strings.Contains(image, "://"):
		return nil, fmt.Errorf("%w: image %q: only registry references are scanned here, with no scheme", ErrBadRequest, image)
	case strings.HasPrefix(image, "/") || strings.HasPrefix(image, ".") || strings.HasPrefix(image, "~"):
		return nil, fmt.Errorf("%w: image %q: a path; only registry references are scanned here", ErrBadRequest, image)
	}
	ref, err := name.ParseReference(image)
	if err != nil {
		return nil, fmt.Errorf("%w: image %q: %v", ErrBadRequest, image, err)
	}
	reg := ref.Context().RegistryStr()
	if g.insecure[reg] || insecure {
		if ref, err = name.ParseReference(image, name.Insecure); err != nil {
			return nil, fmt.Errorf("%w: image %q: %v", ErrBadRequest, image, err)
		}
	}
	if len(g.allow) > 0 {
		if !g.allow[reg] {
			return nil, fmt.Errorf("%w: image %q: registry %s is not in the server's allow-list", ErrBadRequest, image, reg)
		}
		return ref, nil
	}
	if err := g.publicHost(ctx, reg); err != nil {
		return nil, fmt.Errorf("%w: image %q: %v", ErrBadRequest, image, err)
	}
	return ref, nil
}

// publicHost refuses a registry host that is, or resolves to, an address
// that is not public. A name that does not resolve now is let through:
// the dialer checks again whatever it resolves to later.
func (g *registryGuard) publicHost(ctx context.Context, reg string) error {
	host := reg
	if h, _, err := net.SplitHostPort(reg); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if ip, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(ip) {
			return fmt.Errorf("registry %s is not a public address (allow-list it to scan from it)", reg)
		}
		return nil
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return fmt.Errorf("registry %s is this machine (allow-list it to scan from it)", reg)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := g.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if !publicAddr(a) {
			return fmt.Errorf("registry %s resolves to %s, not a public address (allow-list it to scan from it)", reg, a)
		}
	}
	return nil
}

// dial connects to addr, refusing internal addresses unless addr is an
// allowed registry's.
func (g *registryGuard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if !g.trusted[strings.ToLower(addr)] {
		d.Control = refuseInternal
	}
	return d.DialContext(ctx, network, addr)
}

// refuseInternal is a dialer's Control: it runs on each resolved address
// before the connection is made.
func refuseInternal(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("server: refusing to connect to %s: not an IP address", address)
	}
	if !publicAddr(ap.Addr()) {
		return fmt.Errorf("server: refusing to connect to %s: not a public address (allow-list the registry to reach it)", address)
	}
	return nil
}

// internalPrefixes are ranges netip's predicates do not name but that are
// no registry's business: "this network", carrier-grade NAT (where some
// clouds put metadata services), IETF protocol assignments, benchmarking,
// reserved and broadcast, NAT64 and documentation.
var internalPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// publicAddr reports whether a is an address on the public internet: not
// loopback, private (RFC 1918, unique local), link-local (169.254/16,
// where cloud metadata services answer), multicast or unspecified.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range internalPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
