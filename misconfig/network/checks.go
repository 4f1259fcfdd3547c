package network

import (
	"github.com/bulwark-sec/bulwark/misconfig"
)

const (
	refPolicies = "https://kubernetes.io/docs/concepts/services-networking/network-policies/"
	refService  = "https://kubernetes.io/docs/concepts/services-networking/service/"
	refNSA      = "NSA/CISA Kubernetes Hardening Guidance"
)

// Checks lists the checks Scan runs, in ID order; each is declared in the
// file that reports it. Each call returns a fresh slice.
func Checks() []misconfig.Check {
	return misconfig.Catalog(
		checkNoIngressPolicy, checkNoEgressPolicy, checkNodePort,
		checkLoadBalancer, checkOpenLoadBalancer, checkExternalIPs,
		checkSecretData, checkIngressAnywhereAll, checkIngressAnywherePorts,
		checkIngressNoTLS, checkHostNetwork,
	)
}
