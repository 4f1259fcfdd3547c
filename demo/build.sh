#!/bin/sh
# Regenerates demo/image.tar and demo/db from their sources (see
# demo/README.md): Debian packages from apt, the demo-server Go program
# built from the module proxy, libflux's Cargo.lock from the module proxy,
# and the advisory corpus. Needs a Debian or Ubuntu host (apt-get,
# dpkg-deb), Go, and network access to Debian's mirrors and the Go module
# proxy. The same inputs give byte-identical outputs.
#
#   demo/build.sh                  # corpus from ../shared/corpus or ../../shared/corpus
#   CORPUS=/path/to/corpus demo/build.sh
#   WORK=/tmp/demo-work demo/build.sh   # keep the downloads
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

# Pinned inputs. A Debian security update replaces a package on the
# mirrors; older versions stay on snapshot.debian.org (the checksums in
# build/debs.sha256 say which files are meant).
go_toolchain=go1.26.8
flux=github.com/influxdata/flux@v0.150.0
debs="base-files=12.4+deb12u15 netbase=6.4 zlib1g=1:1.2.13.dfsg-1+deb12u1
ca-certificates=20250419~deb12u2 python3-requests=2.28.1+dfsg-1
python3-urllib3=1.26.12-1+deb12u4 python3-idna=3.3-1+deb12u1
python3-certifi=2022.9.24-1 python3-charset-normalizer=3.0.1-2
python3-chardet=5.1.0+dfsg-2"

work=${WORK:-$(mktemp -d)}
corpus=${CORPUS:-}
if [ -z "$corpus" ]; then
	for c in "$repo/../shared/corpus" "$repo/../../shared/corpus"; do
		if [ -f "$c/SOURCES.md" ]; then corpus=$(cd "$c" && pwd); break; fi
	done
fi
export GOTOOLCHAIN=$go_toolchain GOWORK=off

echo "demo/build.sh: Debian packages" >&2
mkdir -p "$work/debs"
cd "$work/debs"
if ! sha256sum --quiet -c "$here/build/debs.sha256" 2>/dev/null; then
	rm -f ./*.deb
	apt-get download $debs
	sha256sum --quiet -c "$here/build/debs.sha256"
fi
cd "$repo"

echo "demo/build.sh: demo-server with $go_toolchain" >&2
(cd "$here/build/gobin" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS=-mod=readonly \
	go build -trimpath -buildvcs=false -ldflags='-s -w' -o "$work/demo-server" .)

echo "demo/build.sh: $flux" >&2
flux_dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$flux" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -f "$flux_dir/libflux/Cargo.lock" ] || { echo "demo/build.sh: no libflux/Cargo.lock in $flux_dir" >&2; exit 1; }

echo "demo/build.sh: image and slice (corpus: ${corpus:-none, demo/db kept})" >&2
cd "$repo"
go run ./demo/build -debs "$work/debs" -go-binary "$work/demo-server" -flux "$flux_dir" -corpus "$corpus" -out demo
ls -l demo/image.tar demo/db
sha256sum demo/image.tar demo/db/*.zip
