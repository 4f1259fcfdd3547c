package dockerfile

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/secret"
)

// ruleExample returns the made-up secret the secret engine's rule id is
// tested with, so that no secret-looking string sits in this file.
func ruleExample(t *testing.T, id string) string {
	t.Helper()
	for _, r := range secret.Builtin() {
		if r.ID == id {
			f := strings.Fields(r.Example) // "name = value" examples: the value
			return f[len(f)-1]
		}
	}
	t.Fatalf("no secret rule %s", id)
	return ""
}

// snippet is a Dockerfile for one check: it must (fail) or must not
// produce a finding of the check. A snippet that does not start with
// FROM or ARG is put in a stage built on a pinned image.
type snippet struct {
	src  string
	opts Options
}

type checkCase struct {
	fail, pass []snippet
}

func s(src string) snippet { return snippet{src: src} }

func checkCases(t *testing.T) map[string]checkCase {
	ghp := ruleExample(t, "github-pat")
	akia := ruleExample(t, "aws-access-key-id")
	return map[string]checkCase{
		checkLatestTag.ID: {
			fail: []snippet{s("FROM ubuntu:latest\n"), s("FROM ubuntu\n"), s("FROM ubuntu:latest # note\n"),
				s("ARG BASE=ubuntu\nFROM ${BASE}\n"), s("ARG V\nFROM ${V:-debian}\n"),
				s("FROM alpine:3.20\nCOPY --from=docker/buildx-bin /buildx /usr/bin/\n")},
			pass: []snippet{s("FROM ubuntu:24.04\n"), s("FROM scratch\n"), s("FROM ubuntu@sha256:" + strings.Repeat("a", 64) + "\n"),
				s("FROM golang:1.22 AS build\nFROM build\n"), s("ARG BASE\nFROM ${BASE}\n"), s("FROM localhost:5000/app:1.0\n"),
				s("ARG BASE=ubuntu:24.04\nFROM ${BASE}\n"), s("FROM alpine:3.20\nCOPY --from=nginx:1.25 /etc/nginx /etc/nginx\n")},
		},
		checkNoDigest.ID: {
			fail: []snippet{s("FROM ubuntu:24.04\n"), s("FROM --platform=$BUILDPLATFORM golang:1.22 AS b\n")},
			pass: []snippet{s("FROM ubuntu:24.04@sha256:" + strings.Repeat("a", 64) + "\n"), s("FROM scratch\n"),
				s("FROM a:1@sha256:" + strings.Repeat("b", 64) + " AS a\nFROM a\n")},
		},
		checkRootUser.ID: {
			fail: []snippet{s("FROM alpine:3.20\nUSER root\n"), s("FROM alpine:3.20\nUSER 0:0\n"), s("FROM alpine:3.20\nUSER app\nUSER root\n"),
				s("FROM alpine:3.20 AS base\nUSER root\nFROM base\n"), s("FROM alpine:3.20\nARG U=root\nUSER $U\n"),
				s("FROM alpine:3.20\nUSER root # admin\n")},
			pass: []snippet{s("FROM alpine:3.20\nUSER root\nRUN id\nUSER app\n"), s("FROM a:1 AS b\nUSER root\nFROM c:1\nUSER app\n"),
				s("FROM alpine:3.20\nUSER ${UNKNOWN}\n"), s("FROM alpine:3.20\nUSER rooted\n")},
		},
		checkNoUser.ID: {
			fail: []snippet{s("FROM alpine:3.20\nCMD [\"x\"]\n"), s("FROM a:1 AS b\nUSER app\nFROM c:1\n")},
			pass: []snippet{s("FROM alpine:3.20\nUSER 10001\n"), s("FROM gcr.io/distroless/static:nonroot\n"),
				s("FROM a:1 AS b\nUSER app\nFROM b\n"), s("FROM golang:1.22 AS build\nRUN go build\nFROM scratch\nCOPY --from=build /out /\n")},
		},
		checkAddForCopy.ID: {
			fail: []snippet{s("ADD app.py /app/\n"), s("ADD --chown=app src/ /app/src/\n")},
			pass: []snippet{s("COPY app.py /app/\n"), s("ADD rootfs.tar.gz /\n"), s("ADD https://example.com/x /x\n"), s("ADD ${ARCHIVE} /\n"),
				s("ADD --from=build /out /out\n")},
		},
		checkAddURL.ID: {
			fail: []snippet{s("ADD https://example.com/tool.tar.gz /opt/\n"), s("ADD git@github.com:org/repo.git /src\n"),
				s("ADD https://user:pw@example.com/x /x\n")},
			pass: []snippet{s("ADD --checksum=sha256:" + strings.Repeat("c", 64) + " https://example.com/tool /opt/\n"), s("ADD tool.tar.gz /opt/\n")},
		},
		checkPipeToShell.ID: {
			fail: []snippet{s("RUN curl -fsSL https://get.example.com | sh\n"), s("RUN wget -qO- https://x.example | sudo bash -s -- -y\n"),
				s("RUN curl -sL https://x.example | tee /tmp/i.sh | bash\n"), s("RUN sh -c \"$(curl -fsSL https://x.example)\"\n"),
				s("RUN bash <(curl -s https://x.example)\n"), s("RUN curl https://x.example | python3 -\n"),
				s("RUN <<EOF\nset -e\ncurl -s https://x.example | sh\nEOF\n"), s("RUN [\"/bin/sh\", \"-c\", \"curl -s https://x.example | sh\"]\n"),
				s("RUN if true; then curl -s https://x.example | bash; fi\n")},
			pass: []snippet{s("RUN curl -fsSL https://x.example -o /tmp/i.sh && sha256sum -c sums && sh /tmp/i.sh\n"),
				s("RUN curl -s https://api.example | python3 -c 'import json,sys; print(json.load(sys.stdin))'\n"),
				s("RUN curl -s https://x.example | tar xz\n"), s("RUN echo curl | sh\n"), s("RUN curl -s https://x.example | bash -c 'cat > f'\n"),
				s("RUN python3 <<EOF\nimport os\nos.system('curl -s https://x | sh')\nEOF\n")},
		},
		checkSecretVar.ID: {
			fail: []snippet{s("ENV DB_PASSWORD=hunter2\n"), s("ARG GITHUB_TOKEN=abc\n"), s("ENV AWS_KEY=" + akia + "\n"),
				s("LABEL deploy.key=" + ghp + "\n"), s("ENV API_KEY \"two words\"\n"), s("ARG NPM_TOKEN=abc\nFROM alpine:3.20\n"),
				s("ENV AWS_SECRET_ACCESS_KEY=\"x/y+z\"\n")},
			pass: []snippet{s("ENV DB_PASSWORD_FILE=/run/secrets/db\n"), s("ARG GITHUB_TOKEN\n"), s("ENV DB_PASSWORD=$DB_PASSWORD\n"),
				s("ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\n"), s("ENV PASSWORD_REQUIRED=true\n"), s("ENV SKIP_TOKEN=1\n"),
				s("ARG TOKEN=\"\"\n")},
		},
		checkSecretCommand.ID: {
			fail: []snippet{s("RUN curl -H \"Authorization: token " + ghp + "\" https://api.github.com/user\n"),
				s("COPY <<EOF /root/.aws/credentials\naws_access_key_id = " + akia + "\nEOF\n"),
				s("CMD [\"app\", \"--token\", \"" + ghp + "\"]\n")},
			pass: []snippet{s("RUN --mount=type=secret,id=gh curl -H @/run/secrets/gh https://api.github.com/user\n"),
				s("RUN echo \"token=$GITHUB_TOKEN\" > /dev/null\n")},
		},
		checkSudo.ID: {
			fail: []snippet{s("RUN sudo apt-get update\n"), s("RUN make && sudo -E make install\n")},
			pass: []snippet{s("USER root\nRUN make install\n"), s("RUN echo sudo\n")},
		},
		checkUpgrade.ID: {
			fail: []snippet{s("RUN apt-get update && apt-get upgrade -y\n"), s("RUN apk upgrade\n"), s("RUN yum update -y\n"),
				s("RUN apt-get dist-upgrade -y\n"), s("RUN dnf -y upgrade\n"), s("RUN zypper -n up\n")},
			pass: []snippet{s("RUN apk upgrade --no-cache openssl\n"), s("RUN yum update -y openssl\n"), s("RUN apt-get install -y --only-upgrade openssl\n")},
		},
		checkAptRecommends.ID: {
			fail: []snippet{s("RUN apt-get update && apt-get install -y curl\n"), s("RUN xx-apt-get install -y libc6-dev\n")},
			pass: []snippet{s("RUN apt-get install -y --no-install-recommends curl\n"),
				s("RUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/norec\nRUN apt-get install -y curl\n"),
				s("RUN apt-get install -y -o APT::Install-Recommends=false curl\n")},
		},
		checkAptLists.ID: {
			fail: []snippet{s("RUN apt-get update && apt-get install -y --no-install-recommends curl\n"),
				s("FROM a:1 AS base\nFROM base\nRUN apt-get update && apt-get install -y x\n")},
			pass: []snippet{s("RUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\n"),
				s("RUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update && apt-get install -y x\n"),
				s("FROM a:1 AS build\nRUN apt-get update && apt-get install -y x\nFROM b:1\n")},
		},
		checkApkCache.ID: {
			fail: []snippet{s("RUN apk add curl\n"), s("RUN apk --update add curl\n")},
			pass: []snippet{s("RUN apk add --no-cache curl\n"), s("RUN apk add curl && rm -rf /var/cache/apk/*\n"),
				s("RUN --mount=type=cache,target=/var/cache/apk apk add curl\n")},
		},
		checkYumCache.ID: {
			fail: []snippet{s("RUN yum install -y httpd\n"), s("RUN dnf -y install httpd\n"), s("RUN zypper -n in curl\n")},
			pass: []snippet{s("RUN yum install -y httpd && yum clean all\n"), s("RUN microdnf install httpd && microdnf clean all\n"),
				s("RUN dnf install -y x && rm -rf /var/cache/dnf\n")},
		},
		checkPipCache.ID: {
			fail: []snippet{s("RUN pip install requests==2.31.0\n"), s("RUN python3 -m pip install -r requirements.txt\n"), s("RUN pip3.12 install -r r.txt\n")},
			pass: []snippet{s("RUN pip install --no-cache-dir -r requirements.txt\n"), s("ENV PIP_NO_CACHE_DIR=1\nRUN pip install -r r.txt\n"),
				s("RUN --mount=type=cache,target=/root/.cache/pip pip install -r r.txt\n"), s("RUN PIP_NO_CACHE_DIR=1 pip install -r r.txt\n")},
		},
		checkUnpinnedPackage.ID: {
			fail: []snippet{s("RUN apt-get install -y --no-install-recommends curl\n"), s("RUN apk add --no-cache curl\n"),
				s("RUN pip install --no-cache-dir flask\n"), s("RUN npm install -g typescript\n"), s("RUN npm install -g typescript@latest\n"),
				s("RUN gem install bundler\n"), s("RUN go install golang.org/x/tools/gopls@latest\n"), s("RUN yarn global add @scope/pkg\n")},
			pass: []snippet{s("RUN apt-get install -y --no-install-recommends curl=8.5.0-2\n"), s("RUN apk add --no-cache curl=8.5.0-r0\n"),
				s("RUN pip install --no-cache-dir flask==3.0.0\n"), s("RUN pip install --no-cache-dir -r requirements.txt\n"),
				s("RUN npm install -g typescript@5.4.5\n"), s("RUN npm ci\n"), s("RUN gem install bundler -v 2.5.0\n"),
				s("RUN go install golang.org/x/tools/gopls@v0.15.0\n"), s("RUN apt-get install -y $PACKAGES\n"),
				s("RUN yarn global add @scope/pkg@1.2.3\n"), s("RUN apk add --no-cache --virtual .build-deps gcc=13.2.1-r0\n")},
		},
		checkNoAssumeYes.ID: {
			fail: []snippet{s("RUN apt-get install curl\n"), s("RUN yum install httpd\n"), s("RUN zypper install curl\n")},
			pass: []snippet{s("RUN apt-get install -y curl\n"), s("RUN apt-get -qq install curl\n"), s("RUN apt-get install --yes curl\n"),
				s("RUN apt-get -yq install curl\n"), s("RUN microdnf install httpd\n"), s("RUN zypper --non-interactive install curl\n")},
		},
		checkWorldWritable.ID: {
			fail: []snippet{s("RUN chmod 777 /app\n"), s("RUN chmod -R 0777 /data\n"), s("RUN chmod a+rwx /x\n"), s("RUN chmod o+w /x\n"),
				s("COPY --chmod=777 app /app\n"), s("RUN chmod 666 /var/run/x.sock\n"), s("RUN chmod u+x,o+w /x\n")},
			pass: []snippet{s("RUN chmod 755 /app\n"), s("RUN chmod 1777 /tmp\n"), s("RUN chmod u+x /app\n"), s("RUN chmod +x /app\n"),
				s("COPY --chmod=755 app /app\n"), s("RUN chmod a+rwxt /shared\n"), s("RUN chmod o-w /x\n")},
		},
		checkExposeSSH.ID: {
			fail: []snippet{s("EXPOSE 22\n"), s("EXPOSE 80 22/tcp\n"), s("EXPOSE 20-25\n"), s("FROM alpine:3.20\nARG P=22\nEXPOSE $P\n")},
			pass: []snippet{s("EXPOSE 8080\n"), s("EXPOSE 2222\n"), s("EXPOSE $PORT\n")},
		},
		checkNoHealthcheck.ID: {
			fail: []snippet{s("FROM alpine:3.20\nCMD [\"x\"]\n"), s("FROM a:1 AS b\nHEALTHCHECK CMD x\nFROM c:1\n")},
			pass: []snippet{s("FROM alpine:3.20\nHEALTHCHECK CMD [\"x\", \"health\"]\n"), s("FROM alpine:3.20\nHEALTHCHECK NONE\n"),
				s("FROM a:1 AS b\nHEALTHCHECK CMD x\nFROM b\n"), s("FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=build /out /\n")},
		},
		checkContextCopy.ID: {
			fail: []snippet{s("COPY . /app\n"), s("ADD . /app\n"), s("COPY --chown=app ./ /app/\n"), s("COPY . .\n")},
			pass: []snippet{s("COPY src /app/src\n"), {src: "COPY . /app\n", opts: Options{Dockerignore: true}}, s("COPY --from=build . /app\n"),
				s("COPY --exclude=.git . /app\n")},
		},
		checkDockerSocket.ID: {
			fail: []snippet{s("RUN --mount=type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock docker ps\n"),
				s("RUN docker run -v /var/run/docker.sock:/var/run/docker.sock img:1\n")},
			pass: []snippet{s("RUN --mount=type=cache,target=/root/.cache go build\n"), s("RUN docker --version\n")},
		},
		checkCd.ID: {
			fail: []snippet{s("RUN cd /src && make\n"), s("RUN make -C a; cd b\n")},
			pass: []snippet{s("WORKDIR /src\nRUN make\n"), s("RUN echo cd\n")},
		},
		checkRelativeWorkdir.ID: {
			fail: []snippet{s("FROM alpine:3.20\nWORKDIR app\n"), s("FROM alpine:3.20\nARG D=app\nWORKDIR ${D}\n")},
			pass: []snippet{s("FROM alpine:3.20\nWORKDIR /app\n"), s("FROM alpine:3.20\nWORKDIR /app\nWORKDIR sub\n"),
				s("FROM alpine:3.20\nWORKDIR $HOME\n"), s("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nWORKDIR C:\\app\n"),
				s("FROM a:1 AS b\nWORKDIR /src\nFROM b\nWORKDIR sub\n")},
		},
		checkOverridden.ID: {
			fail: []snippet{s("CMD [\"a\"]\nCMD [\"b\"]\n"), s("ENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\n"), s("HEALTHCHECK CMD a\nHEALTHCHECK CMD b\n")},
			pass: []snippet{s("FROM a:1 AS b\nCMD [\"a\"]\nFROM b\nCMD [\"b\"]\n"), s("CMD [\"a\"]\nENTRYPOINT [\"b\"]\n")},
		},
		checkMaintainer.ID: {
			fail: []snippet{s("MAINTAINER me <me@example.com>\n")},
			pass: []snippet{s("LABEL org.opencontainers.image.authors=me\n")},
		},
		checkAptInScript.ID: {
			fail: []snippet{s("RUN apt install -y curl\n"), s("RUN apt update\n")},
			pass: []snippet{s("RUN apt-get install -y curl\n"), s("RUN apt-cache policy curl\n")},
		},
		checkShellForm.ID: {
			fail: []snippet{s("CMD node server.js\n"), s("ENTRYPOINT /app\n")},
			pass: []snippet{s("CMD [\"node\", \"server.js\"]\n"), s("ENTRYPOINT [\"/app\"]\n")},
		},
		checkDuplicateStage.ID: {
			fail: []snippet{s("FROM a:1 AS build\nFROM b:1 AS BUILD\n")},
			pass: []snippet{s("FROM a:1 AS build\nFROM b:1 AS test\n")},
		},
		checkUndefinedStage.ID: {
			fail: []snippet{s("FROM a:1 AS build\nFROM b:1\nCOPY --from=biuld /out /out\n"), s("FROM a:1\nCOPY --from=0 /x /y\n"),
				s("FROM a:1 AS x\nCOPY --from=x /a /b\n"), s("FROM a:1\nRUN --mount=from=biuld,target=/src make\n")},
			pass: []snippet{s("FROM a:1 AS build\nFROM b:1\nCOPY --from=build /out /out\n"), s("FROM a:1\nFROM b:1\nCOPY --from=0 /x /y\n"),
				s("FROM a:1\nCOPY --from=nginx:1.25 /etc/nginx /etc/nginx\n"), s("ARG V=build\nFROM a:1 AS build\nFROM b:1\nCOPY --from=${V} /x /y\n"),
				s("FROM a:1 AS build\nFROM b:1\nRUN --mount=from=build,target=/src make\n")},
		},
		checkPipefail.ID: {
			fail: []snippet{s("RUN curl -s https://x.example | tar xz\n"), s("RUN [\"bash\", \"-c\", \"a | b\"]\n")},
			pass: []snippet{s("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -s https://x.example | tar xz\n"),
				s("RUN set -o pipefail && curl -s https://x.example | tar xz\n"), s("RUN set -euxo pipefail; a | b\n"),
				s("RUN a || b\n"), s("SHELL [\"powershell\", \"-Command\"]\nRUN Get-Item x | Remove-Item\n")},
		},
		checkInsecureTransfer.ID: {
			fail: []snippet{s("RUN curl -k https://x.example -o y\n"), s("RUN curl -fsSLk https://x.example\n"),
				s("RUN wget --no-check-certificate https://x.example\n"), s("RUN pip install --no-cache-dir --trusted-host pypi.org x==1\n"),
				s("RUN apt-get install -y --allow-unauthenticated x\n"), s("RUN apk add --no-cache --allow-untrusted /tmp/x.apk\n"),
				s("ENV NODE_TLS_REJECT_UNAUTHORIZED=0\n"), s("RUN git config --global http.sslVerify false\n"),
				s("RUN echo 'deb [trusted=yes] https://repo.example/ ./' > /etc/apt/sources.list\n"),
				s("RUN yum install -y --nogpgcheck x\n"), s("RUN GIT_SSL_NO_VERIFY=1 git clone https://x.example/r.git\n"),
				s("ENV GOSUMDB=off\n"), s("RUN npm config set strict-ssl false\n"), s("RUN export PYTHONHTTPSVERIFY=0 && python x.py\n")},
			pass: []snippet{s("RUN curl -fsSL https://x.example\n"), s("RUN curl -o k https://x.example\n"), s("RUN curl -H 'X-K: -k' https://x.example\n"),
				s("ENV NODE_TLS_REJECT_UNAUTHORIZED=1\n"), s("RUN wget -k https://x.example\n")},
		},
		checkPlainHTTP.ID: {
			fail: []snippet{s("RUN wget http://example.com/tool.tar.gz && tar xzf tool.tar.gz\n"), s("ADD http://example.com/x /x\n"),
				s("RUN pip install --no-cache-dir -i http://mirror.example.com/simple x==1\n"), s("RUN git clone http://example.com/r.git\n")},
			pass: []snippet{s("RUN wget https://example.com/x\n"),
				s("RUN curl -fsSLO http://example.com/x.tgz && echo \"abc  x.tgz\" | sha256sum -c -\n"),
				s("RUN curl http://localhost:8080/health\n"), s("RUN curl http://${MIRROR}/x\n")},
		},
		checkCredentialFile.ID: {
			fail: []snippet{s("COPY id_rsa /root/.ssh/id_rsa\n"), s("COPY .npmrc /app/\n"), s("COPY .env /app/.env\n"),
				s("ADD certs/server.key /etc/ssl/\n"), s("COPY config/.aws/credentials /root/.aws/\n")},
			pass: []snippet{s("COPY .env.example /app/\n"), s("COPY id_rsa.pub /root/.ssh/\n"),
				s("RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n"), s("COPY --from=build /root/.npmrc /x\n")},
		},
		checkInsecureRun.ID: {
			fail: []snippet{s("RUN --security=insecure make\n")},
			pass: []snippet{s("RUN --security=sandbox make\n"), s("RUN make\n")},
		},
		checkUpdateAlone.ID: {
			fail: []snippet{s("RUN apt-get update\n"), s("RUN apk update\n")},
			pass: []snippet{s("RUN apt-get update && apt-get install -y x\n"), s("RUN apk update && apk add x\n")},
		},
		checkTrailingComment.ID: {
			fail: []snippet{s("FROM ubuntu:24.04 # base\n"), s("WORKDIR /app # dir\n"), s("EXPOSE 80 # http\n"), s("USER app # user\n"),
				s("FROM a:1 AS b # stage\n")},
			pass: []snippet{s("# base\nFROM ubuntu:24.04\n"), s("RUN echo hi # comment\n"), s("WORKDIR /a#b\n"), s("CMD [\"a\", \"# b\"]\n")},
		},
	}
}

// TestChecks runs each check's failing and passing snippets.
func TestChecks(t *testing.T) {
	cases := checkCases(t)
	known := map[string]bool{}
	for _, c := range Checks() {
		known[c.ID] = true
		cc, ok := cases[c.ID]
		if !ok || len(cc.fail) == 0 || len(cc.pass) == 0 {
			t.Errorf("%s: no failing or no passing example", c.ID)
			continue
		}
		run := func(sn snippet) []string {
			t.Helper()
			src := sn.src
			if !strings.HasPrefix(src, "FROM") && !strings.HasPrefix(src, "ARG") && !strings.HasPrefix(src, "#") {
				src = "FROM alpine:3.20\n" + src
			}
			fs, err := Scan("Dockerfile", []byte(src), sn.opts)
			if err != nil {
				t.Fatalf("%s: %q: %v", c.ID, sn.src, err)
			}
			checkFindings(t, fs, []byte(src))
			var msgs []string
			for _, f := range fs {
				if f.CheckID == c.ID {
					msgs = append(msgs, f.Message)
				}
			}
			return msgs
		}
		for _, sn := range cc.fail {
			if msgs := run(sn); len(msgs) == 0 {
				t.Errorf("%s: no finding for %q", c.ID, sn.src)
			}
		}
		for _, sn := range cc.pass {
			if msgs := run(sn); len(msgs) > 0 {
				t.Errorf("%s: unexpected finding for %q: %v", c.ID, sn.src, msgs)
			}
		}
	}
	for id := range cases {
		if !known[id] {
			t.Errorf("cases for unknown check %s", id)
		}
	}
}

// TestSecretsNotShown checks that no message repeats a secret's value.
func TestSecretsNotShown(t *testing.T) {
	ghp := ruleExample(t, "github-pat")
	akia := ruleExample(t, "aws-access-key-id")
	src := "FROM alpine:3.20\nENV DB_PASSWORD=correct-horse-battery-staple\nARG AWS_KEY=" + akia +
		"\nRUN curl -u me:" + ghp + " https://api.github.com\nADD https://me:" + ghp + "@example.com/x /x\n"
	fs, err := Scan("Dockerfile", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fs {
		for _, v := range []string{"correct-horse", akia, ghp, ghp[8:]} {
			if strings.Contains(f.Message, v) {
				t.Errorf("%s message shows a secret: %s", f.CheckID, f.Message)
			}
		}
		if f.CheckID == checkSecretVar.ID || f.CheckID == checkSecretCommand.ID {
			n++
		}
	}
	if n < 3 {
		t.Errorf("%d secret findings, want at least 3: %v", n, results(fs))
	}
}
