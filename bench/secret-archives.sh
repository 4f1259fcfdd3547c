#!/usr/bin/env bash
# Secret scanning inside archives, side by side with gitleaks
# (--max-archive-depth) when it is on PATH. Builds nothing from other
# projects.
#
#   bench/secret-archives.sh [workdir] [MiB]   # default /tmp/bulwark-bench, 100 MiB
#
# The corpus is real archives from this machine: the zips of the Go module
# cache (cache/download/**/*.zip, the source of every module Bulwark
# builds with), copied until MiB is reached, plus planted/: a jar nested in
# a zip, a tar.gz and a .gz, each holding a made-up credential. Both tools
# open archives two levels deep. Throughput is archive bytes (compressed)
# over the median wall time of a whole run (hyperfine, $RUNS runs,
# default 3); recall is how many planted credentials each tool reports.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/bulwark-bench}
want_mib=${2:-100}
. "$repo/bench/lib.sh"
bench_init

corpus=$work/archive-corpus
if [ ! -f "$corpus/.complete" ]; then
	rm -rf "$corpus" && mkdir -p "$corpus/zips" "$corpus/planted"
	dl=$(cd "$repo" && go env GOMODCACHE)/cache/download
	(cd "$dl" && find . -name '*.zip' -printf '%s %p\n' | sort -k2) |
		awk -v b="$((want_mib << 20))" '{ if (s + $1 > b) exit; s += $1; sub(/^[0-9]+ /, ""); print }' |
		(cd "$dl" && tr '\n' '\0' | xargs -0 cp --parents -t "$corpus/zips")
	chmod -R u+w "$corpus"
	# Made-up credentials in real formats: none is valid anywhere.
	tmp=$(mktemp -d)
	mkdir -p "$tmp/jar/BOOT-INF/classes" "$tmp/tgz/etc" "$tmp/outer"
	printf 'github.token=ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n' >"$tmp/jar/BOOT-INF/classes/application.properties"
	(cd "$tmp/jar" && python3 -m zipfile -c "$tmp/outer/app.jar" BOOT-INF)
	(cd "$tmp/outer" && python3 -m zipfile -c "$corpus/planted/release.zip" app.jar)
	printf 'aws_access_key_id = AKIAZ3MHXQ4T7KPLN2VB\naws_secret_access_key = q8Zr4Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2GeXk\n' >"$tmp/tgz/etc/credentials"
	tar -C "$tmp/tgz" -czf "$corpus/planted/config.tar.gz" etc
	printf 'SLACK_BOT_TOKEN=xoxb-2948573821-4857392018475-Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd\n' | gzip >"$corpus/planted/slack.env.gz"
	rm -rf "$tmp"
	touch "$corpus/.complete"
fi
bytes=$(du -sb --exclude=.complete "$corpus" | cut -f1)
echo "corpus: $((bytes >> 20)) MiB in $(find "$corpus" -name '*.zip' | wc -l) zips, 3 planted archives"

recall() { # tool-name json-file
	python3 - "$1" "$2" <<'PY'
import json, sys
name, path = sys.argv[1:3]
data = json.load(open(path))
if isinstance(data, dict):
    files = {s["path"] for s in data["secrets"]}
else:
    files = {f["File"] for f in data}
planted = {f.split("planted/")[1].split("!")[0] for f in files if "planted/" in f}
print(f"{name}: {len(files)} files with findings, planted archives found: {sorted(planted)}")
PY
}

cmds=(-n 'bulwark secret --archive-depth 2' "./bulwark secret --quiet --archive-depth 2 --format json $corpus >/dev/null")
./bulwark secret --quiet --archive-depth 2 --format json "$corpus" >bulwark.archives.json || true
recall bulwark bulwark.archives.json
if command -v gitleaks >/dev/null; then
	cmds+=(-n 'gitleaks dir --max-archive-depth 2' "gitleaks dir --no-banner --log-level error --exit-code 0 --max-archive-depth 2 --report-format json --report-path gitleaks.archives.bench.json $corpus")
	gitleaks dir --no-banner --log-level error --exit-code 0 --max-archive-depth 2 --report-format json --report-path gitleaks.archives.json "$corpus" || true
	recall gitleaks gitleaks.archives.json
fi
hyperfine --warmup 0 --runs "${RUNS:-3}" --export-json archives-bench.json "${cmds[@]}"
bench_medians archives-bench.json "$bytes" MB
