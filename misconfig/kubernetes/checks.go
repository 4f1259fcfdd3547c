package kubernetes

import (
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// IDs of the checks beyond the Pod Security Standards.
const (
	idUnknownField      = "BW-K8S-001"
	idWritableRootFS    = "BW-K8S-002"
	idNoRequests        = "BW-K8S-003"
	idNoLimits          = "BW-K8S-004"
	idLatestTag         = "BW-K8S-005"
	idNoDigest          = "BW-K8S-006"
	idSATokenMounted    = "BW-K8S-007"
	idRuntimeSocket     = "BW-K8S-008"
	idSensitiveHostPath = "BW-K8S-009"
	idNoLiveness        = "BW-K8S-010"
	idNoReadiness       = "BW-K8S-011"
	idDefaultNamespace  = "BW-K8S-012"
	idRunAsRootUID      = "BW-K8S-013"
	idPrivEscalation    = "BW-K8S-014"
	idNoDropAll         = "BW-K8S-015"
	idDangerousCaps     = "BW-K8S-016"
	idHostPort          = "BW-K8S-017"
	idSecretInEnv       = "BW-K8S-018"
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

// workloadChecks returns the BW-K8S checks, in ID order.
func workloadChecks() []misconfig.Check {
	k := func(id, sev, title, rationale, fix string, refs ...string) misconfig.Check {
		return misconfig.Check{ID: id, Title: title, Severity: sev, Target: misconfig.TargetKubernetes,
			Rationale: rationale, Fix: fix, References: refs}
	}
	return []misconfig.Check{
		k(idUnknownField, severity.Low, "Unknown field in a workload",
			"The API server drops fields it does not know (or rejects them under strict validation), so a misspelt security setting silently does nothing.",
			"Fix the field's name or remove it; `kubectl apply --validate=strict` reports such fields too.",
			refUnknownFields),
		k(idWritableRootFS, severity.Medium, "Container root filesystem is writable",
			"A writable root filesystem lets an attacker drop tools and modify binaries or configuration inside the container.",
			"Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where the application must write.",
			refNSA, refSecurityContext),
		k(idNoRequests, severity.Low, "Container has no CPU or memory request",
			"Without requests the scheduler cannot place the pod sensibly and the container is first to be evicted or starved under pressure.",
			"Set resources.requests.cpu and resources.requests.memory.",
			refNSA, refResources),
		k(idNoLimits, severity.Medium, "Container has no CPU or memory limit",
			"Without limits one container can exhaust the node's CPU or memory and deny service to every other pod on it.",
			"Set resources.limits.cpu and resources.limits.memory (or pod-level spec.resources.limits).",
			refNSA, refResources),
		k(idLatestTag, severity.Medium, "Image uses the latest tag or no tag",
			"A moving tag makes deployments unrepeatable: a restart can pull different, untested or malicious code.",
			"Use a specific version tag, and preferably a digest.",
			refImages),
		k(idNoDigest, severity.Low, "Image is not pinned by digest",
			"Tags can be moved to other content by anyone who can push to the registry; only a digest names exact content.",
			"Reference the image as name@sha256:<digest> (a tag may stay in front of it for readability).",
			refImages),
		k(idSATokenMounted, severity.Medium, "Service account token is mounted automatically",
			"Every process in the pod can read the mounted API token and act with the service account's rights; most applications never call the API.",
			"Set automountServiceAccountToken: false on the pod spec or on its ServiceAccount, and mount a projected token only where needed.",
			"CIS Kubernetes Benchmark 5.1.6", refNSA, refServiceAccounts),
		k(idRuntimeSocket, severity.Critical, "Container runtime socket mounted from the host",
			"The Docker, containerd or CRI-O socket controls every container on the node; whoever can reach it is root on the node.",
			"Remove the hostPath volume; use a dedicated, narrowly scoped API instead of the runtime socket.",
			refNSA, refHostPath),
		k(idSensitiveHostPath, severity.High, "Sensitive host directory mounted",
			"Mounting /, /etc, /proc, /sys, /root, /var/lib/kubelet or the runtime's state directories exposes host credentials and configuration, and when writable allows taking over the node.",
			"Remove the hostPath volume or narrow it to the one file needed, mounted readOnly.",
			refNSA, refHostPath),
		k(idNoLiveness, severity.Low, "Container has no liveness probe",
			"Without a liveness probe a hung container keeps running and serving errors until someone notices.",
			"Add a livenessProbe that fails when the process can no longer make progress.",
			refProbes),
		k(idNoReadiness, severity.Low, "Container has no readiness probe",
			"Without a readiness probe traffic reaches the container before it can serve and while it is overloaded.",
			"Add a readinessProbe that passes only when the container can serve requests.",
			refProbes),
		k(idDefaultNamespace, severity.Low, "Workload in the default namespace",
			"The default namespace has no dedicated policies or quotas and mixes unrelated workloads, which weakens RBAC and network isolation.",
			"Set metadata.namespace to a namespace dedicated to the application.",
			"CIS Kubernetes Benchmark 5.7.4", refNamespaces),
		k(idRunAsRootUID, severity.High, "Container explicitly runs as UID 0",
			"runAsUser: 0 runs the container as root, so any container escape or writable host mount is a root compromise.",
			"Set runAsUser to a non-zero UID and runAsNonRoot: true.",
			refNSA, refSecurityContext),
		k(idPrivEscalation, severity.Medium, "Container does not disable privilege escalation",
			"Unless allowPrivilegeEscalation is false, setuid binaries and file capabilities can raise a process's privileges (no_new_privs is not set).",
			"Set securityContext.allowPrivilegeEscalation: false.",
			refNSA, refSecurityContext),
		k(idNoDropAll, severity.Medium, "Container does not drop all capabilities",
			"Containers start with a default capability set (CHOWN, SETUID, NET_RAW …) that few applications need and attackers can use.",
			"Set securityContext.capabilities.drop: [\"ALL\"] and add back only what is needed.",
			refNSA, refSecurityContext),
		k(idDangerousCaps, severity.High, "Container adds a dangerous capability",
			"SYS_ADMIN, NET_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_RAWIO, DAC_READ_SEARCH, BPF or ALL give near-root control of the kernel, the network or other processes.",
			"Remove the capability from securityContext.capabilities.add; redesign what needs it.",
			refNSA, refSecurityContext),
		k(idHostPort, severity.Medium, "Container binds a port on the node",
			"hostPort publishes the container on the node's address, outside Services and often outside network policies.",
			"Remove hostPort and use a Service (NodePort or LoadBalancer if it must be reachable from outside).",
			"https://kubernetes.io/docs/concepts/configuration/overview/#services"),
		k(idSecretInEnv, severity.High, "Secret given as a literal environment value",
			"A credential written in a manifest is visible to everyone who can read the manifest, its repository or the object in the API.",
			"Store the value in a Secret and reference it with valueFrom.secretKeyRef, or mount it as a file.",
			refNSA, refSecrets),
	}
}

// Checks lists every check Scan can report: the BW-K8S workload checks,
// then one BW-PSS check per Pod Security Standards check of the upstream
// library. It returns a fresh slice on each call.
func Checks() []misconfig.Check {
	return append(workloadChecks(), pssChecks()...)
}
