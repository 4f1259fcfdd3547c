#!/usr/bin/env bash
# Speed side by side, in one hyperfine run on one image: `bulwark sbom`
# against `syft`, and `bulwark image` against `syft | grype` and `trivy
# image`, each cold (no layer cache) and warm (its cache filled by an
# earlier run of the same command). The vulnerability databases are
# present throughout: Bulwark's imported from the corpus (`bulwark db
# import`), Grype's and Trivy's built from the same records by peer_dbs
# (bench/differential/lib.sh), since their download sites are out of reach.
#
#   bench/differential/speed.sh [workdir] [image]   # default /tmp/bulwark-bench, debian.tar
#
# Only the vulnerability scanner runs (`--scanners vuln` for Bulwark and
# Trivy; Grype has no other). Syft and Grype keep no layer cache, so their
# cold and warm runs are the same command. A peer not on PATH is left out
# and named. RUNS (default 5) sets hyperfine's runs.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/bulwark-bench}
img=${2:-debian.tar}
. "$repo/bench/lib.sh"
. "$repo/bench/differential/lib.sh"
bench_init
bench_images
[ -f demo.tar ] || cp "$repo/demo/image.tar" demo.tar
peer_dbs

# Bulwark's database: the corpus's Go, PyPI and crates.io records.
[ -d bw-db ] || ./bulwark db import --cache-dir bw-db "$corpus"/osv/*.zip
# Warm caches: one run of each command that keeps one.
rm -rf bw-warm trivy-warm
cp -r bw-db bw-warm
cp -r trivy-cache trivy-warm 2>/dev/null || true
bw_sbom="./bulwark sbom --quiet --format json --input $img"
bw_image="./bulwark image --quiet --offline --scanners vuln --format json --input $img"
trivy_image="trivy image --quiet --skip-db-update --skip-java-db-update --offline-scan --scanners vuln --format json --input $img"
$bw_sbom --cache-dir bw-warm >/dev/null
$bw_image --cache-dir bw-warm >/dev/null

cmds=(
	-n 'bulwark sbom cold' "$bw_sbom --no-cache >/dev/null"
	-n 'bulwark sbom warm' "$bw_sbom --cache-dir bw-warm >/dev/null"
	-n 'bulwark image cold' "$bw_image --no-cache --cache-dir bw-db >/dev/null"
	-n 'bulwark image warm' "$bw_image --cache-dir bw-warm >/dev/null"
)
prepare=()
if command -v syft >/dev/null; then
	cmds+=(-n 'syft' "syft -q docker-archive:$img -o json >/dev/null")
	if command -v grype >/dev/null; then
		cmds+=(-n 'syft | grype' "syft -q docker-archive:$img -o json | grype -q -o json >/dev/null")
	else
		echo "speed: grype is not on PATH" >&2
	fi
else
	echo "speed: syft is not on PATH" >&2
fi
if command -v trivy >/dev/null; then
	$trivy_image --cache-dir trivy-warm >/dev/null
	# Cold: a fresh cache folder holding only the database.
	cmds+=(-n 'trivy image cold' "rm -rf trivy-cold && mkdir trivy-cold && cp -r trivy-cache/db trivy-cold/ && $trivy_image --cache-dir trivy-cold >/dev/null")
	cmds+=(-n 'trivy image warm' "$trivy_image --cache-dir trivy-warm >/dev/null")
else
	echo "speed: trivy is not on PATH" >&2
fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-json speed.json --export-markdown speed.md "${cmds[@]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - speed.json <<'PY'
import json, sys, statistics
res = {r["command"]: statistics.median(r["times"]) for r in json.load(open(sys.argv[1]))["results"]}
for name, med in res.items():
    print(f"{name}: median {med:.2f} s")
def ratio(a, b):
    if a in res and b in res:
        print(f"{b} / {a}: {res[b] / res[a]:.1f}x")
ratio("bulwark sbom cold", "syft")
ratio("bulwark sbom warm", "syft")
ratio("bulwark image cold", "syft | grype")
ratio("bulwark image warm", "syft | grype")
ratio("bulwark image cold", "trivy image cold")
ratio("bulwark image warm", "trivy image warm")
PY
