package rbac

import (
	"github.com/bulwark-sec/bulwark/misconfig"
)

const (
	refGoodPractices = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"
	refRBAC          = "https://kubernetes.io/docs/reference/access-authn-authz/rbac/"
	refNSA           = "NSA/CISA Kubernetes Hardening Guidance"
)

// Checks lists the checks Scan runs, in ID order; each is declared in the
// file that reports it. Each call returns a fresh slice.
func Checks() []misconfig.Check {
	return misconfig.Catalog(
		checkFullWildcard, checkWildcardVerbs, checkWildcardResources,
		checkWildcardGroups, checkReadSecrets, checkExec, checkEscalate,
		checkImpersonate, checkWorkloads, checkTokens, checkNodes,
		checkDeleteEvents, checkClusterAdmin, checkAnonymous, checkAuthenticated,
	)
}
