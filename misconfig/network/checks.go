package network

import (
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// Check IDs, in the order they are defined. An ID never changes meaning.
const (
	idNoIngressPolicy      = "BW-NET-001"
	idNoEgressPolicy       = "BW-NET-002"
	idNodePort             = "BW-NET-003"
	idLoadBalancer         = "BW-NET-004"
	idOpenLoadBalancer     = "BW-NET-005"
	idExternalIPs          = "BW-NET-006"
	idSecretData           = "BW-NET-007"
	idIngressAnywhereAll   = "BW-NET-008"
	idIngressAnywherePorts = "BW-NET-009"
	idIngressNoTLS         = "BW-NET-010"
	idHostNetwork          = "BW-NET-011"
)

const (
	refPolicies = "https://kubernetes.io/docs/concepts/services-networking/network-policies/"
	refService  = "https://kubernetes.io/docs/concepts/services-networking/service/"
	refNSA      = "NSA/CISA Kubernetes Hardening Guidance"
)

// Checks lists the checks Scan runs. Each call returns a fresh slice.
func Checks() []misconfig.Check {
	k := misconfig.TargetKubernetes
	return []misconfig.Check{
		{
			ID: idNoIngressPolicy, Title: "Workload is not isolated by an ingress NetworkPolicy", Severity: severity.Medium, Target: k,
			Rationale:  "Pods that no NetworkPolicy selects for ingress accept connections from every pod in the cluster, so one compromised workload can reach them all.",
			Fix:        "Add a default-deny NetworkPolicy to the namespace (podSelector: {}, policyTypes: [Ingress, Egress]) and policies that allow only the traffic each workload needs.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.3.2", refPolicies, refNSA},
		},
		{
			ID: idNoEgressPolicy, Title: "Workload is not isolated by an egress NetworkPolicy", Severity: severity.Low, Target: k,
			Rationale:  "Ingress-only policies leave egress open: a compromised pod can reach the cloud metadata service, the API server and any outside address to move laterally or exfiltrate data.",
			Fix:        "Add Egress to the policyTypes of a policy selecting the workload, with egress rules for DNS and the services it calls.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.3.2", refPolicies, refNSA},
		},
		{
			ID: idNodePort, Title: "Service exposes a NodePort", Severity: severity.Medium, Target: k,
			Rationale:  "A NodePort Service listens on every node's addresses, bypassing ingress controllers and often the firewall rules written for them.",
			Fix:        "Use a ClusterIP Service behind an Ingress or Gateway, or a LoadBalancer limited with loadBalancerSourceRanges.",
			References: []string{refService + "#type-nodeport", refNSA},
		},
		{
			ID: idLoadBalancer, Title: "Service is exposed through a load balancer", Severity: severity.Medium, Target: k,
			Rationale:  "A LoadBalancer Service gets an address outside the cluster; even when limited to some source ranges or an internal network, it widens who can reach the pods.",
			Fix:        "Confirm the exposure is intended and keep loadBalancerSourceRanges to the networks that need it; prefer one Ingress or Gateway over many load balancers.",
			References: []string{"https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/", refNSA},
		},
		{
			ID: idOpenLoadBalancer, Title: "LoadBalancer Service is open to any source address", Severity: severity.High, Target: k,
			Rationale:  "Without loadBalancerSourceRanges, or with 0.0.0.0/0 among them, a LoadBalancer Service is reachable from the whole internet on most cloud providers.",
			Fix:        "Set spec.loadBalancerSourceRanges to the client networks, or use the provider's internal load balancer annotation.",
			References: []string{"https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/", refNSA},
		},
		{
			ID: idExternalIPs, Title: "Service sets externalIPs", Severity: severity.Medium, Target: k,
			Rationale:  "kube-proxy captures traffic to a Service's externalIPs on every node, so whoever can set them can intercept traffic meant for any address (CVE-2020-8554).",
			Fix:        "Remove spec.externalIPs and use a LoadBalancer or an Ingress; block the field cluster-wide with the DenyServiceExternalIPs admission plugin.",
			References: []string{refService + "#external-ips", "https://github.com/kubernetes/kubernetes/issues/97076"},
		},
		{
			ID: idSecretData, Title: "Secret values are committed in the manifest", Severity: severity.High, Target: k,
			Rationale:  "data in a Secret is only base64-encoded and stringData is plain text: anyone who can read the repository or the chart has the credentials, and they stay in version history.",
			Fix:        "Keep Secret values out of manifests: use an external secret store (External Secrets, Secrets Store CSI driver) or encrypted manifests such as Sealed Secrets or SOPS, and rotate the exposed values.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.4.2", "https://kubernetes.io/docs/concepts/security/secrets-good-practices/"},
		},
		{
			ID: idIngressAnywhereAll, Title: "NetworkPolicy allows ingress from anywhere on every port", Severity: severity.Medium, Target: k,
			Rationale:  "An ingress rule without from, or with the ipBlock 0.0.0.0/0, admits every pod and every outside address; without ports it does so on every port, undoing the isolation the policy's selection brings.",
			Fix:        "List the allowed peers in from (podSelector, namespaceSelector or narrow ipBlocks) and the ports the workload serves.",
			References: []string{refPolicies, refNSA},
		},
		{
			ID: idIngressAnywherePorts, Title: "NetworkPolicy allows ingress from anywhere", Severity: severity.Low, Target: k,
			Rationale:  "An ingress rule without from, or with the ipBlock 0.0.0.0/0, admits every pod and every outside address on its ports; right for a public entry point, too wide for anything else.",
			Fix:        "If the workload is not a public entry point, list the allowed peers in from (podSelector, namespaceSelector or narrow ipBlocks).",
			References: []string{refPolicies},
		},
		{
			ID: idIngressNoTLS, Title: "Ingress serves hosts without TLS", Severity: severity.Low, Target: k,
			Rationale:  "Hosts not covered by the Ingress's tls section are served over plain HTTP, exposing credentials and session cookies on the network.",
			Fix:        "Add a tls entry covering every host, with a certificate Secret (cert-manager can issue one).",
			References: []string{"https://kubernetes.io/docs/concepts/services-networking/ingress/#tls", refNSA},
		},
		{
			ID: idHostNetwork, Title: "Host-network workload is outside NetworkPolicy isolation", Severity: severity.Medium, Target: k,
			Rationale:  "Pods with hostNetwork: true use the node's network namespace; the Kubernetes documentation leaves NetworkPolicy behaviour for them undefined and the common plugins do not filter their traffic, so a policy that selects them gives isolation only on paper, and they can reach everything the node can.",
			Fix:        "Drop hostNetwork unless the workload is a node agent that needs it (a CNI or monitoring daemon); isolate such agents with host firewall rules instead of NetworkPolicies.",
			References: []string{refPolicies, "Pod Security Standards: Baseline (Host Namespaces)", refNSA},
		},
	}
}

// catalog indexes Checks by ID for one scan.
func catalog() map[string]misconfig.Check {
	m := map[string]misconfig.Check{}
	for _, c := range Checks() {
		m[c.ID] = c
	}
	return m
}
