package kubernetes

import (
	"github.com/bulwark-sec/bulwark/misconfig"
)

const (
	refNSA             = "NSA/CISA Kubernetes Hardening Guidance"
	refSecurityContext = "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"
	refResources       = "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"
	refImages          = "https://kubernetes.io/docs/concepts/containers/images/"
	refProbes          = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"
	refServiceAccounts = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/"
	refHostPath        = "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"
	refNamespaces      = "https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/"
	refSecrets         = "https://kubernetes.io/docs/concepts/configuration/secret/"
	refUnknownFields   = "https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation"
)

// Checks lists every check Scan can report: the BW-K8S workload checks,
// each declared in the file that reports it, then one BW-PSS check per Pod
// Security Standards check of the upstream library. It returns a fresh
// slice on each call.
func Checks() []misconfig.Check {
	workload := misconfig.Catalog(
		checkUnknownField, checkWritableRootFS, checkNoRequests, checkNoLimits,
		checkLatestTag, checkNoDigest, checkSATokenMounted, checkRuntimeSocket,
		checkSensitiveHostPath, checkNoLiveness, checkNoReadiness,
		checkDefaultNamespace, checkRunAsRootUID, checkPrivEscalation,
		checkNoDropAll, checkDangerousCaps, checkHostPort, checkSecretInEnv,
	)
	return append(workload, pssChecks()...)
}
