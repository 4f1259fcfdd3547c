#!/usr/bin/env bash
# `bulwark db import` of real advisory data, in the layouts users mirror.
#
#   bench/dbimport.sh [corpus] [workdir] [checkout...]
#
# corpus (default /work/shared/corpus, see its SOURCES.md) holds
# osv/{Go,crates.io,PyPI}.zip and alpine-secdb/. From them this script
# times the import of each zip, of the Go records unpacked as a folder,
# of the Go records in the Go vulnerability database's v1 layout (written
# by bench/mkgovulndb, the folder govulncheck -db file:///DIR reads) and
# of the Alpine secdb tree; any further arguments (git checkouts of
# golang/vulndb, pypa/advisory-database, ...) are timed too. Each import
# starts from an empty cache folder; the figure is the median wall time
# of $RUNS runs (default 3), with peak memory (GNU time), the records the
# database holds and its size.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-/work/shared/corpus}
work=${2:-/tmp/bulwark-dbimport}
shift $(($# < 2 ? $# : 2))
runs=${RUNS:-3}

mkdir -p "$work"
(cd "$repo" && go build -o "$work/bulwark" ./cmd/bulwark && go build -o "$work/mkgovulndb" ./bench/mkgovulndb)
if [ ! -d "$work/go-osv" ]; then
	mkdir -p "$work/go-osv" && unzip -q "$corpus/osv/Go.zip" -d "$work/go-osv"
fi
if [ ! -f "$work/go-vulndb-v1/index/modules.json" ]; then
	rm -rf "$work/go-vulndb-v1" && "$work/mkgovulndb" -o "$work/go-vulndb-v1" "$corpus/osv/Go.zip"
fi

inputs=("$corpus/osv/Go.zip" "$corpus/osv/crates.io.zip" "$corpus/osv/PyPI.zip"
	"$work/go-osv" "file://$work/go-vulndb-v1" "$corpus/alpine-secdb" "$@")

printf '| input | size | median wall | peak RSS | records in db | db size |\n|---|---|---|---|---|---|\n'
for in in "${inputs[@]}"; do
	path=${in#file://}
	size=$(du -sh --apparent-size --exclude=.git "$path" | cut -f1)
	times=() rss=0
	for _ in $(seq "$runs"); do
		rm -rf "$work/cache"
		/usr/bin/time -f '%e %M' -o "$work/time" "$work/bulwark" db import --cache-dir "$work/cache" "$in" 2>"$work/log" >/dev/null
		read -r t m <"$work/time"
		times+=("$t")
		[ "$m" -gt "$rss" ] && rss=$m
	done
	median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
	records=$("$work/bulwark" db status --cache-dir "$work/cache" | awk 'NR > 2 { n += $2 } END { print n }')
	dbsize=$(du -h "$work/cache/db/vuln.db" | cut -f1)
	printf '| `%s` | %s | %s s | %d MB | %s | %s |\n' "${in#$corpus/}" "$size" "$median" $((rss / 1024)) "$records" "$dbsize"
	sed 's/^/    /' "$work/log" | head -3 >&2
done
