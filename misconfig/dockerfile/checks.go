package dockerfile

import (
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// Check IDs. They never change meaning once released: users name them in
// suppressions and skip lists.
const (
	idLatestTag        = "BW-DF-001"
	idNoDigest         = "BW-DF-002"
	idRootUser         = "BW-DF-003"
	idNoUser           = "BW-DF-004"
	idAddForCopy       = "BW-DF-005"
	idAddURL           = "BW-DF-006"
	idPipeToShell      = "BW-DF-007"
	idSecretVar        = "BW-DF-008"
	idSecretCommand    = "BW-DF-009"
	idSudo             = "BW-DF-010"
	idUpgrade          = "BW-DF-011"
	idAptRecommends    = "BW-DF-012"
	idAptLists         = "BW-DF-013"
	idApkCache         = "BW-DF-014"
	idYumCache         = "BW-DF-015"
	idPipCache         = "BW-DF-016"
	idUnpinnedPackage  = "BW-DF-017"
	idNoAssumeYes      = "BW-DF-018"
	idWorldWritable    = "BW-DF-019"
	idExposeSSH        = "BW-DF-020"
	idNoHealthcheck    = "BW-DF-021"
	idContextCopy      = "BW-DF-022"
	idDockerSocket     = "BW-DF-023"
	idCd               = "BW-DF-024"
	idRelativeWorkdir  = "BW-DF-025"
	idOverridden       = "BW-DF-026"
	idMaintainer       = "BW-DF-027"
	idApt              = "BW-DF-028"
	idShellForm        = "BW-DF-029"
	idDuplicateStage   = "BW-DF-030"
	idUndefinedStage   = "BW-DF-031"
	idPipefail         = "BW-DF-032"
	idInsecureTransfer = "BW-DF-033"
	idPlainHTTP        = "BW-DF-034"
	idCredentialFile   = "BW-DF-035"
	idInsecureRun      = "BW-DF-036"
	idUpdateAlone      = "BW-DF-037"
	idTrailingComment  = "BW-DF-038"
)

// Documentation the references point at.
const (
	refDockerfile = "https://docs.docker.com/reference/dockerfile/"
	refPractices  = "https://docs.docker.com/build/building/best-practices/"
	refChecks     = "https://docs.docker.com/reference/build-checks/"
)

// Checks returns the Dockerfile checks, in ID order. The slice is new on
// every call.
func Checks() []misconfig.Check {
	c := func(id, sev, title, rationale, fix string, refs ...string) misconfig.Check {
		return misconfig.Check{ID: id, Title: title, Severity: sev, Target: misconfig.TargetDockerfile,
			Rationale: rationale, Fix: fix, References: refs}
	}
	return []misconfig.Check{
		c(idLatestTag, severity.Medium, "Image used without a version tag",
			"An image named without a tag, or with the tag latest, resolves to whatever was pushed last: builds are not reproducible and can silently pick up a different, possibly compromised or broken, release.",
			"Name a specific version tag (for example ubuntu:24.04), and better, pin the digest as well.",
			"CIS Docker Benchmark v1.6.0 4.2", refPractices+"#pin-base-image-versions"),
		c(idNoDigest, severity.Low, "Base image not pinned by digest",
			"A tag can be moved to point at other content at any time; only a digest names fixed content, so a build that pulls by tag trusts the registry not to change it.",
			"Append the digest to the reference (FROM image:tag@sha256:…) and let a bot such as Dependabot or Renovate update it.",
			"CIS Docker Benchmark v1.6.0 4.2", refPractices+"#pin-base-image-versions"),
		c(idRootUser, severity.High, "Image runs as root",
			"The last USER of the final stage is root, so every process in the container runs as root; a compromise of the application then gives an attacker root inside the container and a far better position to escape it.",
			"Create an unprivileged user (or use the one the base image provides) and end the final stage with USER <name or UID>; do root-only work before it.",
			"CIS Docker Benchmark v1.6.0 4.1", refDockerfile+"#user", refPractices+"#user"),
		c(idNoUser, severity.High, "No USER in the final stage",
			"Without a USER instruction the container runs as the base image's user, which for most images is root; a compromised application then holds root privileges inside the container.",
			"Add USER <name or UID> of an unprivileged account to the final stage, or build from a base image that already runs as non-root.",
			"CIS Docker Benchmark v1.6.0 4.1", refDockerfile+"#user", refPractices+"#user"),
		c(idAddForCopy, severity.Low, "ADD used where COPY fits",
			"ADD silently unpacks archives and can fetch URLs; used for plain local files it hides that behaviour where a reviewer does not expect it, and a file that later becomes an archive changes what the image contains.",
			"Use COPY for local files and directories; keep ADD for local tar archives that must be extracted.",
			"CIS Docker Benchmark v1.6.0 4.9", refPractices+"#add-or-copy"),
		c(idAddURL, severity.Medium, "ADD fetches a remote URL",
			"ADD with a URL or Git repository downloads content at build time without any integrity check unless --checksum is given: whoever controls the server or the network path controls what goes into the image.",
			"Download with RUN curl/wget and verify a checksum or signature in the same RUN, or use ADD --checksum=sha256:… for HTTP sources.",
			"CIS Docker Benchmark v1.6.0 4.9", refDockerfile+"#add", refPractices+"#add-or-copy"),
		c(idPipeToShell, severity.High, "Downloaded script piped into a shell",
			"curl or wget piped into a shell runs whatever the server returns, unverified, as root in the build; a compromised server, DNS or proxy turns the build into remote code execution and the result into a backdoored image.",
			"Download the script to a file, verify its checksum or signature, then run it; or install the tool from a package repository.",
			"CIS Docker Benchmark v1.6.0 4.11", refPractices+"#using-pipes"),
		c(idSecretVar, severity.High, "Secret in ENV, ARG or LABEL",
			"ENV, ARG and LABEL values are stored in the image configuration and build history, where anyone who can pull the image can read them.",
			"Pass secrets at build time with RUN --mount=type=secret and at run time through the orchestrator's secret store; never write their values into the Dockerfile.",
			"CIS Docker Benchmark v1.6.0 4.10", "https://docs.docker.com/build/building/secrets/", refChecks+"secrets-used-in-arg-or-env/"),
		c(idSecretCommand, severity.High, "Secret in a command or inline file",
			"A credential written into a RUN, CMD or ENTRYPOINT command or into a heredoc is kept in the image history or its files, and in every copy of the Dockerfile.",
			"Remove the credential, rotate it, and supply it at build time with RUN --mount=type=secret.",
			"CIS Docker Benchmark v1.6.0 4.10", "https://docs.docker.com/build/building/secrets/"),
		c(idSudo, severity.Medium, "sudo used in RUN",
			"Build steps already run as the current USER; sudo in an image means the sudo binary and a sudoers policy ship with it, an easy path from the application user to root, and its TTY and signal handling misbehave in containers.",
			"Switch with USER root for the steps that need it and back to the unprivileged user afterwards; remove sudo from the image.",
			refPractices+"#user"),
		c(idUpgrade, severity.Low, "Whole distribution upgraded in RUN",
			"apt-get upgrade, apk upgrade, yum update and the like change every package of the base image at build time, so two builds of the same Dockerfile differ and failures appear unrelated to any change.",
			"Build from a more recent base image tag instead, or upgrade only the named packages that need a fix.",
			"CIS Docker Benchmark v1.6.0 4.4", refPractices+"#apt-get"),
		c(idAptRecommends, severity.Low, "apt-get install without --no-install-recommends",
			"Recommended packages are installed by default: they enlarge the image and its attack surface with software nothing asked for.",
			"Add --no-install-recommends to apt-get install.",
			"CIS Docker Benchmark v1.6.0 4.3", refPractices+"#apt-get"),
		c(idAptLists, severity.Low, "apt package lists left in the image",
			"apt-get update downloads package lists to /var/lib/apt/lists; unless the same RUN deletes them they stay in the layer, adding size and stale metadata to the final image.",
			"End the RUN that installs packages with && rm -rf /var/lib/apt/lists/*, or use a cache mount for /var/lib/apt.",
			refPractices+"#apt-get"),
		c(idApkCache, severity.Low, "apk add without --no-cache",
			"apk keeps its package index and downloaded files in /var/cache/apk, which then ships in the final image.",
			"Use apk add --no-cache (which also makes apk update unnecessary).",
			refPractices),
		c(idYumCache, severity.Low, "yum/dnf/zypper cache left in the image",
			"yum, dnf and zypper keep repository metadata and packages in their cache; unless the same RUN cleans it, it ships in the final image.",
			"End the RUN that installs packages with yum clean all (dnf clean all, zypper clean), or use a cache mount.",
			refPractices),
		c(idPipCache, severity.Low, "pip install without --no-cache-dir",
			"pip keeps downloaded wheels in its cache directory, which then ships in the final image.",
			"Add --no-cache-dir to pip install, set ENV PIP_NO_CACHE_DIR=1, or use a cache mount for /root/.cache/pip.",
			refPractices),
		c(idUnpinnedPackage, severity.Low, "Package version not pinned",
			"Installing a package without a version takes whatever the repository serves that day: builds are not reproducible and a compromised or broken release is picked up without review.",
			"Pin versions (apt-get install pkg=1.2-3, apk add pkg=1.2-r0, pip install pkg==1.2, npm install pkg@1.2.3), or install from a lock file.",
			refPractices+"#apt-get"),
		c(idNoAssumeYes, severity.Low, "Package install waits for confirmation",
			"Without -y the package manager asks for confirmation; with no terminal the build either fails or, with some tools, proceeds unpredictably.",
			"Add -y (apt-get, yum, dnf) or --non-interactive (zypper).",
			refPractices+"#apt-get"),
		c(idWorldWritable, severity.Medium, "World-writable permissions",
			"Files or directories writable by every user let any process in the container, whatever its user, replace binaries, scripts or configuration the application trusts.",
			"Grant write access only to the owner or group that needs it (for example chmod 755 or 750, with chown to the application user); use the sticky bit for shared temporary directories.",
			refDockerfile+"#copy---chmod"),
		c(idExposeSSH, severity.Medium, "SSH port exposed",
			"Exposing port 22 suggests an SSH server runs in the container: another service to patch, credentials to manage and a remote entry point that bypasses the container runtime's access control.",
			"Remove the SSH server and EXPOSE 22; use docker exec or kubectl exec for access.",
			refDockerfile+"#expose"),
		c(idNoHealthcheck, severity.Low, "No HEALTHCHECK in the final stage",
			"Without a HEALTHCHECK the runtime only knows whether the process is alive, not whether it still serves; a hung application keeps receiving traffic.",
			"Add a HEALTHCHECK that probes the service (or HEALTHCHECK NONE to state that the orchestrator probes it).",
			"CIS Docker Benchmark v1.6.0 4.6", refDockerfile+"#healthcheck"),
		c(idContextCopy, severity.Medium, "Whole build context copied without .dockerignore",
			"COPY . copies everything in the build context; without a .dockerignore that includes .git, .env files, local credentials and build output, which then ship in the image.",
			"Add a .dockerignore next to the Dockerfile that excludes .git, secrets and build artefacts, or copy only the files the image needs.",
			"CIS Docker Benchmark v1.6.0 4.10", "https://docs.docker.com/build/concepts/context/#dockerignore-files"),
		c(idDockerSocket, severity.Critical, "Docker socket mounted",
			"Whoever can reach the Docker socket controls the Docker daemon and through it the host as root: a build step or container with the socket is not isolated at all.",
			"Do not mount /var/run/docker.sock; build nested images with BuildKit or a rootless builder instead.",
			"https://docs.docker.com/engine/security/#docker-daemon-attack-surface", refDockerfile+"#run---mount"),
		c(idCd, severity.Low, "cd used in RUN",
			"A cd inside RUN changes directory for that command only; later instructions run elsewhere, which makes the Dockerfile easy to misread.",
			"Set the directory with WORKDIR.",
			refPractices+"#workdir"),
		c(idRelativeWorkdir, severity.Low, "Relative WORKDIR",
			"A relative WORKDIR is resolved against the previous working directory, which may come from the base image and change with it.",
			"Use an absolute path in WORKDIR.",
			refChecks+"workdir-relative-path/", refPractices+"#workdir"),
		c(idOverridden, severity.Low, "Instruction overridden in the same stage",
			"Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect; an earlier one is dead code that misleads readers about what the image runs.",
			"Remove all but the last CMD, ENTRYPOINT and HEALTHCHECK of each stage.",
			refChecks+"multiple-instructions-disallowed/"),
		c(idMaintainer, severity.Low, "MAINTAINER is deprecated",
			"MAINTAINER is deprecated and its value is not part of the standard image annotations.",
			"Use LABEL org.opencontainers.image.authors=\"…\" instead.",
			refChecks+"maintainer-deprecated/"),
		c(idApt, severity.Low, "apt used in a script",
			"apt is meant for interactive use; its command-line interface is not stable and it warns when used in scripts.",
			"Use apt-get (or apt-cache) in Dockerfiles.",
			refPractices+"#apt-get"),
		c(idShellForm, severity.Low, "CMD or ENTRYPOINT in shell form",
			"In shell form the command runs under /bin/sh -c, which becomes PID 1 and does not forward signals: the application is killed instead of shut down gracefully.",
			"Use the exec (JSON array) form, for example CMD [\"app\", \"--flag\"].",
			refChecks+"json-args-recommended/", refDockerfile+"#shell-and-exec-form"),
		c(idDuplicateStage, severity.Medium, "Duplicate stage name",
			"Two stages with the same name make COPY --from and FROM references ambiguous; BuildKit rejects the file.",
			"Give every stage a unique name.",
			refChecks+"duplicate-stage-name/"),
		c(idUndefinedStage, severity.Medium, "--from names no build stage",
			"A --from value that matches no stage is pulled as an image from a registry: a typo in a stage name silently copies files from someone else's public image.",
			"Use the name of a stage defined in this Dockerfile, or a fully qualified image reference with a tag or digest.",
			refDockerfile+"#copy---from"),
		c(idPipefail, severity.Low, "Pipe without pipefail",
			"A RUN pipeline's status is that of its last command; if an earlier one fails (a download, say) the build carries on with broken or empty input.",
			"Set SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] before the RUN, or start the command with set -o pipefail where the shell supports it.",
			refPractices+"#using-pipes"),
		c(idInsecureTransfer, severity.High, "TLS or signature verification disabled",
			"Options such as curl -k, wget --no-check-certificate, pip --trusted-host, apt --allow-unauthenticated or apk --allow-untrusted turn off the checks that stop an attacker on the network from substituting what gets installed.",
			"Remove the option; install the CA certificate or signing key the repository needs instead.",
			"CIS Docker Benchmark v1.6.0 4.11"),
		c(idPlainHTTP, severity.Medium, "Download over plain HTTP",
			"Content fetched over http:// can be read and replaced by anyone on the network path; with no checksum or signature check in the same step, the image contains whatever they chose.",
			"Use https://, and verify a checksum or signature of what was downloaded.",
			"CIS Docker Benchmark v1.6.0 4.11"),
		c(idCredentialFile, severity.Medium, "Credential file copied into the image",
			"Files such as SSH private keys, .npmrc, .pypirc, .netrc or .env usually hold credentials; copied into a layer they stay in the image even if a later step deletes them.",
			"Mount the file only for the step that needs it (RUN --mount=type=secret or type=ssh) and keep it out of the build context with .dockerignore.",
			"CIS Docker Benchmark v1.6.0 4.10", "https://docs.docker.com/build/building/secrets/"),
		c(idInsecureRun, severity.High, "RUN with --security=insecure",
			"RUN --security=insecure runs the step without the build sandbox, like docker run --privileged: the step can reach host devices and kernel interfaces.",
			"Remove --security=insecure and find a way to do the step unprivileged.",
			refDockerfile+"#run---security"),
		c(idUpdateAlone, severity.Low, "Package index updated in a RUN of its own",
			"A RUN with only apt-get update (or apk update) is cached as its own layer: later installs reuse the stale index, so they fail or install outdated packages.",
			"Update and install in the same RUN: apt-get update && apt-get install -y …",
			"CIS Docker Benchmark v1.6.0 4.7", refPractices+"#apt-get"),
		c(idTrailingComment, severity.Low, "Text after # is not a comment",
			"Dockerfile comments must start the line; a trailing # … after an instruction is passed to it as arguments, which breaks FROM and EXPOSE and gives USER or WORKDIR a value nobody meant.",
			"Move the comment to a line of its own above the instruction.",
			refDockerfile+"#format"),
	}
}
