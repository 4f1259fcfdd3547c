package dockerfile

import (
	"github.com/bulwark-sec/bulwark/misconfig"
)

// Documentation the references point at.
const (
	refDockerfile = "https://docs.docker.com/reference/dockerfile/"
	refPractices  = "https://docs.docker.com/build/building/best-practices/"
	refChecks     = "https://docs.docker.com/reference/build-checks/"
)

// Checks returns the Dockerfile checks, in ID order. Each is declared in
// the file that reports it. The slice is new on every call.
func Checks() []misconfig.Check {
	return misconfig.Catalog(
		checkLatestTag, checkNoDigest, checkRootUser, checkNoUser, checkAddForCopy,
		checkAddURL, checkPipeToShell, checkSecretVar, checkSecretCommand,
		checkSudo, checkUpgrade, checkAptRecommends, checkAptLists, checkApkCache,
		checkYumCache, checkPipCache, checkUnpinnedPackage, checkNoAssumeYes,
		checkWorldWritable, checkExposeSSH, checkNoHealthcheck, checkContextCopy,
		checkDockerSocket, checkCd, checkRelativeWorkdir, checkOverridden,
		checkMaintainer, checkAptInScript, checkShellForm, checkDuplicateStage,
		checkUndefinedStage, checkPipefail, checkInsecureTransfer, checkPlainHTTP,
		checkCredentialFile, checkInsecureRun, checkUpdateAlone,
		checkTrailingComment,
	)
}
