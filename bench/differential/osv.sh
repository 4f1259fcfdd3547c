#!/usr/bin/env bash
# Bulwark against osv-scanner on real Cargo.lock files and Python
# requirement and lock files, with the same advisory records.
#
#   bench/differential/osv.sh [corpus] [workdir]
#
# corpus (default /work/shared/corpus) holds osv/crates.io.zip and
# osv/PyPI.zip. The inputs are listed in osv-inputs.tsv beside this
# script; each is fetched once (Go module proxy, Debian's archive) and
# put alone in a folder under its own file name. osv-scanner (on PATH, or
# $OSV_SCANNER; v2.6.0 measured) reads the zips in its offline layout,
# DIR/osv-scalibr/<ecosystem>/all.zip (the layout osv-scanner's docs give,
# osv-scanner/<ecosystem>/, is not where v2.6.0 looks); Bulwark reads a
# database imported from the same zips. Per input, osvdiff compares the
# (package, version, record ID) sets and prints a Markdown table and the
# pairs only one tool reported.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus=${1:-/work/shared/corpus}
work=${2:-/tmp/bulwark-diffosv}
osvscanner=${OSV_SCANNER:-osv-scanner}

mkdir -p "$work/src" "$work/in" "$work/out"
(cd "$repo" && go build -o "$work/bulwark" ./cmd/bulwark && go build -o "$work/osvdiff" ./bench/differential/osvdiff)

for eco in crates.io PyPI; do
	mkdir -p "$work/osvdb/osv-scalibr/$eco"
	cp "$corpus/osv/$eco.zip" "$work/osvdb/osv-scalibr/$eco/all.zip"
done
rm -rf "$work/bwdb"
"$work/bulwark" db import --cache-dir "$work/bwdb" "$corpus/osv/crates.io.zip" "$corpus/osv/PyPI.zip" >/dev/null

# fetch SOURCE PATH writes one file of a source to stdout.
fetch() {
	local src=$1 path=$2
	case $src in
	go:*)
		local zip
		zip=$(GOFLAGS=-mod=mod go mod download -json "${src#go:}" | sed -n 's/^\t"Zip": "\(.*\)",$/\1/p')
		unzip -p "$zip" "${src#go:}/$path"
		;;
	deb:*)
		local f=$work/src/$(basename "${src#deb:}")
		[ -s "$f" ] || curl -sSfo "$f" "http://deb.debian.org/debian/${src#deb:}"
		tar -xOf "$f" "$path"
		;;
	esac
}

grep -v '^#' "$here/osv-inputs.tsv" | while IFS=$'\t' read -r name src path; do
	[ -n "$name" ] || continue
	in=$work/in/$name out=$work/out/$name
	if [ ! -s "$in/$(basename "$path")" ]; then
		mkdir -p "$in"
		fetch "$src" "$path" >"$in/$(basename "$path")"
	fi
	mkdir -p "$out"
	# osv-scanner exits 1 when it finds vulnerabilities.
	"$osvscanner" scan source --offline --all-packages --local-db-path "$work/osvdb" \
		--format json "$in" >"$out/osv.json" 2>"$out/osv.err" || [ $? -eq 1 ] ||
		{ echo "osv-scanner failed on $name: $(tail -1 "$out/osv.err")" >&2; echo '{"results":[]}' >"$out/osv.json"; }
	"$work/bulwark" image --quiet --dir "$in" --db "$work/bwdb/db/vuln.db" --scanners vuln \
		--format json >"$out/bulwark.json" 2>"$out/bulwark.err" ||
		{ echo "bulwark failed on $name: $(tail -1 "$out/bulwark.err")" >&2; echo '{}' >"$out/bulwark.json"; }
done

"$work/osvdiff" "$work/out"
