#!/bin/bash
# Differential test of Go binary scanning (issue 12 §4): Bulwark against
# govulncheck -mode binary -scan module, both reading the same local Go
# vulndb built from the corpus, on real Go binaries built here from the
# module proxy at old versions.
#
#   bench/differential/go.sh [workdir] [corpus-zip]
#
# workdir (default /work/tmp/diffgo) receives the binaries (bins/), the
# vulndb (vulndb/), each tool's output (out/) and the comparison
# (report.md). Binaries already built are kept; delete bins/NAME to
# rebuild one. GOVULNCHECK names govulncheck (default: on PATH, else
# /work/tools/bin/govulncheck; build it with
# `go install golang.org/x/vuln/cmd/govulncheck@v1.9.0`).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/work/tmp/diffgo}
corpus=${2:-/work/shared/corpus/osv/Go.zip}
govulncheck=${GOVULNCHECK:-$(command -v govulncheck || echo /work/tools/bin/govulncheck)}
mkdir -p "$work/bins" "$work/out" "$work/gobin" "$work/src"
bins=$work/bins

# The binaries. Each line: name, Go toolchain ("-" for the one on PATH),
# CGO_ENABLED, how to link ("-", "strip" for -ldflags='-s -w', "pie" for
# -buildmode=pie, or both as "strip,pie"), and what to build:
#   pkg@version           go install of a package at a version
#   tmp:pkg@version:REPLACES   go build of pkg from a scratch module that
#                         requires it and adds replace directives
#                         (";"-separated "old=>new version")
# Old versions with known advisories, among those the module proxy here
# serves; small programs, so the whole set builds in about 15 minutes on
# two busy cores. ("go install" refuses a module whose own go.mod has
# replace directives, so the replacements come from scratch modules.)
list='
age            -         0 strip                  filippo.io/age/cmd/age@v1.0.0
age-keygen     go1.21.0  0 -                      filippo.io/age/cmd/age-keygen@v1.0.0
gojq           go1.20    0 strip                  github.com/itchyny/gojq/cmd/gojq@v0.12.4
mkcert         -         0 pie                    filippo.io/mkcert@v1.4.3
hey            go1.21.0  0 -                      github.com/rakyll/hey@v0.1.4
yq             -         0 -                      github.com/mikefarah/yq/v4@v4.6.0
nats-server    -         0 -                      github.com/nats-io/nats-server/v2@v2.1.9
grpcurl        go1.22.12 0 -                      github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.6.0
runc           -         1 -                      github.com/opencontainers/runc@v1.0.0-rc92
cfssl          -         1 -                      github.com/cloudflare/cfssl/cmd/cfssl@v1.5.0
cfssljson      -         0 strip,pie              github.com/cloudflare/cfssl/cmd/cfssljson@v1.5.0
node_exporter  -         0 -                      github.com/prometheus/node_exporter@v1.0.1
kind           go1.20    0 -                      sigs.k8s.io/kind@v0.9.0
dlv            -         0 -                      github.com/go-delve/delve/cmd/dlv@v1.6.0
crane          -         0 -                      github.com/google/go-containerregistry/cmd/crane@v0.5.1
bridge         -         0 pie                    github.com/containernetworking/plugins/plugins/main/bridge@v0.8.6
host-local     go1.22.12 0 strip                  github.com/containernetworking/plugins/plugins/ipam/host-local@v0.9.1
bbolt          -         0 -                      go.etcd.io/bbolt/cmd/bbolt@v1.3.10
nats           -         0 -                      github.com/nats-io/natscli/nats@v0.2.4
nats-replaced  go1.21.0  0 strip                  tmp:github.com/nats-io/nats-server/v2@v2.1.9:golang.org/x/crypto=>golang.org/x/crypto_v0.1.0
age-replaced   -         0 -                      tmp:filippo.io/age/cmd/age@v1.0.0:golang.org/x/crypto=>github.com/golang/crypto_v0.1.0;golang.org/x/sys=>golang.org/x/sys_v0.0.0-20210615035016-665e8c7367d1
'

# build NAME TOOLCHAIN CGO FLAGS WHAT
build() {
	local name=$1 tc=$2 cgo=$3 how=$4 what=$5
	local flags=()
	case $how in *strip*) flags+=(-ldflags='-s -w') ;; esac
	case $how in *pie*) flags+=(-buildmode=pie) ;; esac
	local env=(CGO_ENABLED="$cgo" GOFLAGS=-buildvcs=false)
	[ "$tc" != - ] && env+=(GOTOOLCHAIN="$tc")
	case $what in
	tmp:*)
		local rest=${what#tmp:}
		local pkg=${rest%%:*} repl=${rest#*:}
		local d=$work/src/$name
		rm -rf "$d" && mkdir -p "$d"
		printf 'module example.invalid/%s\n\ngo 1.16\n' "$name" >"$d/go.mod"
		local r
		IFS=';' read -ra rs <<<"$repl"
		for r in "${rs[@]}"; do
			echo "replace ${r%%=>*} => ${r#*=>}" | tr _ ' ' >>"$d/go.mod"
		done
		(cd "$d" && env "${env[@]}" go get "$pkg" && env "${env[@]}" go build "${flags[@]}" -o "$bins/$name" "${pkg%@*}")
		;;
	*)
		rm -rf "$work/gobin/$name" && mkdir -p "$work/gobin/$name"
		env "${env[@]}" GOBIN="$work/gobin/$name" go install "${flags[@]}" "$what"
		mv "$work/gobin/$name"/* "$bins/$name"
		;;
	esac
}

while read -r name tc cgo flags what; do
	[ -z "$name" ] && continue
	[ -e "$bins/$name" ] && continue
	echo "== build $name ($what)" >&2
	build "$name" "$tc" "$cgo" "$flags" "$what" || echo "!! $name did not build" >&2
done <<<"$list"

# The same database for both: the corpus's Go records in the v1 layout.
if [ ! -e "$work/vulndb/index/db.json" ]; then
	(cd "$repo" && go run ./bench/mkgovulndb -o "$work/vulndb" "$corpus")
fi
(cd "$repo" && go build -o "$work/bulwark" ./cmd/bulwark && go build -o "$work/gocompare" ./bench/differential/gocompare)

for b in "$bins"/*; do
	name=$(basename "$b")
	"$govulncheck" -mode binary -scan module -json -db "file://$work/vulndb" "$b" >"$work/out/$name.govulncheck.json"
	go version -m "$b" >"$work/out/$name.buildinfo.txt"
done
# One Bulwark scan of the folder: findings name the binary they came from.
"$work/bulwark" image --rootfs "$bins" --db "$work/vulndb" --offline --no-cache \
	--scanners vuln --format json --output "$work/out/bulwark.json"

"$work/gocompare" -bins "$bins" -out "$work/out" | tee "$work/report.md"
