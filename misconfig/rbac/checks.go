package rbac

import (
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// Check IDs, in the order they are defined. An ID never changes meaning.
const (
	idFullWildcard      = "BW-RBAC-001"
	idWildcardVerbs     = "BW-RBAC-002"
	idWildcardResources = "BW-RBAC-003"
	idWildcardGroups    = "BW-RBAC-004"
	idReadSecrets       = "BW-RBAC-005"
	idExec              = "BW-RBAC-006"
	idEscalate          = "BW-RBAC-007"
	idImpersonate       = "BW-RBAC-008"
	idWorkloads         = "BW-RBAC-009"
	idTokens            = "BW-RBAC-010"
	idNodes             = "BW-RBAC-011"
	idDeleteEvents      = "BW-RBAC-012"
	idClusterAdmin      = "BW-RBAC-013"
	idAnonymous         = "BW-RBAC-014"
	idAuthenticated     = "BW-RBAC-015"
)

const (
	refGoodPractices = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"
	refRBAC          = "https://kubernetes.io/docs/reference/access-authn-authz/rbac/"
	refNSA           = "NSA/CISA Kubernetes Hardening Guidance"
)

// Checks lists the checks Scan runs. Each call returns a fresh slice.
func Checks() []misconfig.Check {
	k := misconfig.TargetKubernetes
	return []misconfig.Check{
		{
			ID: idFullWildcard, Title: "Role grants every verb on every resource", Severity: severity.Critical, Target: k,
			Rationale:  "A rule with \"*\" for API groups, resources and verbs is equivalent to cluster-admin within its scope: it reads every Secret, runs code in every pod and can rewrite RBAC itself.",
			Fix:        "List the API groups, resources and verbs the subject needs; bind the built-in admin, edit or view ClusterRoles with a RoleBinding when a namespace-wide role is wanted.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.3", refGoodPractices, refNSA},
		},
		{
			ID: idWildcardVerbs, Title: "Role grants every verb (\"*\")", Severity: severity.High, Target: k,
			Rationale:  "The verb wildcard includes escalate, bind, impersonate, deletecollection and any verb added in a later release, so the grant is wider than anyone reviewing it sees.",
			Fix:        "Replace \"*\" with the verbs the subject needs, such as get, list and watch.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.3", refGoodPractices},
		},
		{
			ID: idWildcardResources, Title: "Role grants every resource (\"*\")", Severity: severity.High, Target: k,
			Rationale:  "The resource wildcard covers Secrets, subresources such as pods/exec and serviceaccounts/token, and every custom resource installed later.",
			Fix:        "Name the resources the subject needs instead of \"*\".",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.3", refGoodPractices},
		},
		{
			ID: idWildcardGroups, Title: "Role writes to resources in every API group", Severity: severity.Medium, Target: k,
			Rationale:  "With apiGroups \"*\" a write grant also reaches same-named resources in every other group, including custom resources installed later that may control privileged operators.",
			Fix:        "Name the API groups the resources live in (\"\" for core, \"apps\", \"batch\", …) instead of \"*\".",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.3", refRBAC},
		},
		{
			ID: idReadSecrets, Title: "Role can read Secrets", Severity: severity.High, Target: k,
			Rationale:  "get, list or watch on secrets returns their decoded contents, including service account tokens of more privileged accounts; list and watch return every Secret in scope at once.",
			Fix:        "Remove read access to secrets, or limit it to get on the named Secrets the workload needs with resourceNames; prefer mounting a Secret into the pod over reading it through the API.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.2", refGoodPractices, refNSA},
		},
		{
			ID: idExec, Title: "Role can run commands in pods", Severity: severity.High, Target: k,
			Rationale:  "create or get on pods/exec or pods/attach (exec over WebSockets is a GET), or update on pods/ephemeralcontainers, runs commands inside existing containers with their service account token, mounted Secrets and host access.",
			Fix:        "Remove pods/exec, pods/attach and pods/ephemeralcontainers from roles used by workloads and automation; grant them to people only through a time-limited break-glass binding.",
			References: []string{refGoodPractices, refNSA},
		},
		{
			ID: idEscalate, Title: "Role can escalate or bind roles", Severity: severity.High, Target: k,
			Rationale:  "escalate lets a subject write roles with permissions it does not hold, and bind lets it bind roles it does not hold: either lifts it to cluster-admin.",
			Fix:        "Remove escalate and bind; where a controller must bind roles, limit bind to the named roles with resourceNames.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.8", refGoodPractices},
		},
		{
			ID: idImpersonate, Title: "Role can impersonate users, groups or service accounts", Severity: severity.High, Target: k,
			Rationale:  "impersonate lets a subject send requests as another identity, with all of that identity's permissions, including members of system:masters.",
			Fix:        "Remove impersonate, or limit it with resourceNames to the identities the subject must act as.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.8", refGoodPractices},
		},
		{
			ID: idWorkloads, Title: "Role can create or change workloads", Severity: severity.Medium, Target: k,
			Rationale:  "Whoever can create or change pods, or the controllers that make pods, can run any image as any service account in the namespace and mount its Secrets, unless admission control stops it.",
			Fix:        "Grant workload writes only to deployment pipelines that need them, and enforce Pod Security admission in the namespace.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.4", refGoodPractices},
		},
		{
			ID: idTokens, Title: "Role can create service account tokens", Severity: severity.High, Target: k,
			Rationale:  "create on serviceaccounts/token mints a token for any service account in scope, so the subject gains the permissions of the most privileged one.",
			Fix:        "Remove create on serviceaccounts/token, or limit it with resourceNames to the service accounts concerned.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.13", refGoodPractices},
		},
		{
			ID: idNodes, Title: "Role can modify nodes or use the kubelet proxy", Severity: severity.High, Target: k,
			Rationale:  "nodes/proxy reaches the kubelet API, which runs commands in any pod on the node without API server audit or admission; updating nodes changes labels and taints to draw sensitive pods onto a node the subject controls.",
			Fix:        "Remove access to nodes/proxy and write access to nodes; monitoring agents need only get on nodes/metrics or nodes/stats.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.10", refGoodPractices},
		},
		{
			ID: idDeleteEvents, Title: "Role can delete events", Severity: severity.Low, Target: k,
			Rationale:  "Events are often the only record of what happened in a namespace; a subject that can delete them can hide its own actions.",
			Fix:        "Remove delete and deletecollection on events; the API server expires events on its own.",
			References: []string{refRBAC, refNSA},
		},
		{
			ID: idClusterAdmin, Title: "Binding grants cluster-admin", Severity: severity.Critical, Target: k,
			Rationale:  "cluster-admin allows every action on every resource; bound with a ClusterRoleBinding it covers the whole cluster, with a RoleBinding the whole namespace.",
			Fix:        "Bind a role with only the permissions needed; keep cluster-admin for break-glass accounts.",
			References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.1", refGoodPractices, refNSA},
		},
		{
			ID: idAnonymous, Title: "Binding grants a role to unauthenticated users", Severity: severity.Critical, Target: k,
			Rationale:  "system:anonymous and system:unauthenticated are whoever reaches the API server without credentials, so the role is open to anyone on the network.",
			Fix:        "Remove system:anonymous and system:unauthenticated from the subjects and bind the role to named identities.",
			References: []string{"https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests", refGoodPractices, refNSA},
		},
		{
			ID: idAuthenticated, Title: "Binding grants a role to every authenticated identity", Severity: severity.High, Target: k,
			Rationale:  "system:authenticated includes every user and every service account of every namespace, and system:serviceaccounts every service account, so one compromised pod inherits the role.",
			Fix:        "Bind the role to the users, groups or service accounts that need it instead of a built-in catch-all group.",
			References: []string{refGoodPractices, refNSA},
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
