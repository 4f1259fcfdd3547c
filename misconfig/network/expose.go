package network

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkNodePort = misconfig.Check{
		ID: "BW-NET-003", Title: "Service exposes a NodePort", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "A NodePort Service listens on every node's addresses, bypassing ingress controllers and often the firewall rules written for them.",
		Fix:        "Use a ClusterIP Service behind an Ingress or Gateway, or a LoadBalancer limited with loadBalancerSourceRanges.",
		References: []string{refService + "#type-nodeport", refNSA},
	}
	checkLoadBalancer = misconfig.Check{
		ID: "BW-NET-004", Title: "Service is exposed through a load balancer", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "A LoadBalancer Service gets an address outside the cluster; even when limited to some source ranges or an internal network, it widens who can reach the pods.",
		Fix:        "Confirm the exposure is intended and keep loadBalancerSourceRanges to the networks that need it; prefer one Ingress or Gateway over many load balancers.",
		References: []string{"https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/", refNSA},
	}
	checkOpenLoadBalancer = misconfig.Check{
		ID: "BW-NET-005", Title: "LoadBalancer Service is open to any source address", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "Without loadBalancerSourceRanges, or with 0.0.0.0/0 among them, a LoadBalancer Service is reachable from the whole internet on most cloud providers.",
		Fix:        "Set spec.loadBalancerSourceRanges to the client networks, or use the provider's internal load balancer annotation.",
		References: []string{"https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/", refNSA},
	}
	checkExternalIPs = misconfig.Check{
		ID: "BW-NET-006", Title: "Service sets externalIPs", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "kube-proxy captures traffic to a Service's externalIPs on every node, so whoever can set them can intercept traffic meant for any address (CVE-2020-8554).",
		Fix:        "Remove spec.externalIPs and use a LoadBalancer or an Ingress; block the field cluster-wide with the DenyServiceExternalIPs admission plugin.",
		References: []string{refService + "#external-ips", "https://github.com/kubernetes/kubernetes/issues/97076"},
	}
	checkSecretData = misconfig.Check{
		ID: "BW-NET-007", Title: "Secret values are committed in the manifest", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "data in a Secret is only base64-encoded and stringData is plain text: anyone who can read the repository or the chart has the credentials, and they stay in version history.",
		Fix:        "Keep Secret values out of manifests: use an external secret store (External Secrets, Secrets Store CSI driver) or encrypted manifests such as Sealed Secrets or SOPS, and rotate the exposed values.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.4.2", "https://kubernetes.io/docs/concepts/security/secrets-good-practices/"},
	}
	checkIngressNoTLS = misconfig.Check{
		ID: "BW-NET-010", Title: "Ingress serves hosts without TLS", Severity: severity.Low, Target: misconfig.TargetKubernetes,
		Rationale:  "Hosts not covered by the Ingress's tls section are served over plain HTTP, exposing credentials and session cookies on the network.",
		Fix:        "Add a tls entry covering every host, with a certificate Secret (cert-manager can issue one).",
		References: []string{"https://kubernetes.io/docs/concepts/services-networking/ingress/#tls", refNSA},
	}
)

// sourceRangesAnnotation is the older, annotation form of
// spec.loadBalancerSourceRanges, still honoured by cloud providers.
const sourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges"

// service reports Services reachable from outside the cluster.
func (s *scanner) service(o *manifest.Object, svc *corev1.Service) {
	spec := svc.Spec
	switch spec.Type {
	case corev1.ServiceTypeNodePort:
		var ports []string
		for _, p := range spec.Ports {
			if p.NodePort != 0 {
				ports = append(ports, fmt.Sprintf("node port %d for %d/%s", p.NodePort, p.Port, protocol(p.Protocol)))
			} else {
				ports = append(ports, fmt.Sprintf("an allocated node port for %d/%s", p.Port, protocol(p.Protocol)))
			}
		}
		s.add(checkNodePort, o, o.LineOf("spec", "type"), "type NodePort opens %s on every node", andList(ports, "a node port"))
	case corev1.ServiceTypeLoadBalancer:
		ranges := slices.Clone(spec.LoadBalancerSourceRanges)
		rangesLine := o.LineOf("spec", "loadBalancerSourceRanges")
		if len(ranges) == 0 {
			for r := range strings.SplitSeq(o.Annotations[sourceRangesAnnotation], ",") {
				if r = strings.TrimSpace(r); r != "" {
					ranges = append(ranges, r)
				}
			}
			rangesLine = o.LineOf("spec", "type")
		}
		ports := servicePorts(spec.Ports)
		if note, ok := internalLB(o.Annotations); ok {
			s.add(checkLoadBalancer, o, o.LineOf("spec", "type"), "type LoadBalancer exposes %s on an internal load balancer (%s)", ports, note)
			return
		}
		var open []string
		for _, r := range ranges {
			if everywhere(r) {
				open = append(open, r)
			}
		}
		switch {
		case len(ranges) == 0:
			s.add(checkOpenLoadBalancer, o, o.LineOf("spec", "type"), "type LoadBalancer without loadBalancerSourceRanges exposes %s to any address", ports)
		case len(open) > 0:
			s.add(checkOpenLoadBalancer, o, rangesLine, "type LoadBalancer exposes %s to any address: loadBalancerSourceRanges include %s", ports, strings.Join(open, ", "))
		default:
			s.add(checkLoadBalancer, o, rangesLine, "type LoadBalancer exposes %s outside the cluster to %s", ports, strings.Join(ranges, ", "))
		}
	}
	if len(spec.ExternalIPs) > 0 {
		s.add(checkExternalIPs, o, o.LineOf("spec", "externalIPs"), "externalIPs %s make every node accept %s for those addresses", strings.Join(spec.ExternalIPs, ", "), servicePorts(spec.Ports))
	}
}

// internalLB recognises the cloud providers' annotations that put a
// LoadBalancer Service on a private network.
func internalLB(ann map[string]string) (string, bool) {
	for _, k := range slices.Sorted(maps.Keys(ann)) {
		v := strings.ToLower(strings.TrimSpace(ann[k]))
		internal := false
		switch k {
		case "service.beta.kubernetes.io/aws-load-balancer-internal",
			"service.beta.kubernetes.io/azure-load-balancer-internal",
			"service.beta.kubernetes.io/oci-load-balancer-internal",
			"service.beta.kubernetes.io/openstack-internal-load-balancer",
			"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type-intranet":
			internal = v == "true"
		case "service.beta.kubernetes.io/aws-load-balancer-scheme":
			internal = v == "internal"
		case "networking.gke.io/load-balancer-type", "cloud.google.com/load-balancer-type":
			internal = v == "internal"
		case "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type":
			internal = v == "intranet"
		case "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type":
			internal = v == "private"
		}
		if internal {
			return k + ": " + ann[k], true
		}
	}
	return "", false
}

func servicePorts(ports []corev1.ServicePort) string {
	var out []string
	for _, p := range ports {
		out = append(out, fmt.Sprintf("%d/%s", p.Port, protocol(p.Protocol)))
	}
	if len(out) == 1 {
		return "port " + out[0]
	}
	return "ports " + orNone(out, "none")
}

func protocol(p corev1.Protocol) string {
	if p == "" {
		return "TCP"
	}
	return string(p)
}

// andList joins s as "a, b and c", or returns none for an empty s.
func andList(s []string, none string) string {
	switch len(s) {
	case 0:
		return none
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func orNone(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, ", ")
}

// everywhere says whether a CIDR covers every address of its family.
func everywhere(cidr string) bool {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	return err == nil && p.Bits() == 0
}

// secret reports a Secret whose values are in the manifest. Only key names
// go into the message, never values.
func (s *scanner) secret(o *manifest.Object, sec *corev1.Secret) {
	var data, str []string
	for k, v := range sec.Data {
		if len(v) > 0 {
			data = append(data, k)
		}
	}
	for k, v := range sec.StringData {
		if v != "" {
			str = append(str, k)
		}
	}
	if len(data)+len(str) == 0 {
		return
	}
	slices.Sort(data)
	slices.Sort(str)
	var parts []string
	line := 0
	if len(data) > 0 {
		parts = append(parts, "data "+keys(data))
		line = o.LineOf("data")
	}
	if len(str) > 0 {
		parts = append(parts, "stringData "+keys(str))
		if l := o.LineOf("stringData"); line == 0 || l < line {
			line = l
		}
	}
	s.add(checkSecretData, o, line, "the manifest holds the values of %s (values not shown)", strings.Join(parts, " and "))
}

func keys(k []string) string {
	if len(k) == 1 {
		return "key " + k[0]
	}
	if len(k) > 10 {
		return fmt.Sprintf("keys %s and %d more", strings.Join(k[:10], ", "), len(k)-10)
	}
	return "keys " + strings.Join(k, ", ")
}

// ingress reports Ingress hosts served without TLS.
func (s *scanner) ingress(o *manifest.Object, ing *networkingv1.Ingress) {
	var hosts []string
	for _, r := range ing.Spec.Rules {
		if r.Host != "" && !slices.Contains(hosts, r.Host) {
			hosts = append(hosts, r.Host)
		}
	}
	if len(ing.Spec.TLS) == 0 {
		what := "all its traffic is"
		if len(hosts) > 0 {
			what = hostsAre(hosts)
		}
		s.add(checkIngressNoTLS, o, o.LineOf("spec"), "no tls section: %s served over plain HTTP", what)
		return
	}
	var uncovered []string
	for _, h := range hosts {
		if !tlsCovers(ing.Spec.TLS, h) {
			uncovered = append(uncovered, h)
		}
	}
	if len(uncovered) > 0 {
		s.add(checkIngressNoTLS, o, o.LineOf("spec", "tls"), "tls does not cover every host: %s served over plain HTTP", hostsAre(uncovered))
	}
}

func hostsAre(h []string) string {
	if len(h) == 1 {
		return "host " + h[0] + " is"
	}
	return "hosts " + strings.Join(h, ", ") + " are"
}

// tlsCovers says whether a tls section covers host: a tls entry without
// hosts covers every host; "*.example.com" covers one label.
func tlsCovers(tls []networkingv1.IngressTLS, host string) bool {
	for _, t := range tls {
		if len(t.Hosts) == 0 {
			return true
		}
		for _, h := range t.Hosts {
			if strings.EqualFold(h, host) {
				return true
			}
			if suffix, ok := strings.CutPrefix(h, "*."); ok {
				if first, rest, ok := strings.Cut(host, "."); ok && first != "" && strings.EqualFold(rest, suffix) {
					return true
				}
			}
		}
	}
	return false
}
