#!/usr/bin/env bash
# Times whole runs of `bulwark sbom` on a real multi-layer Debian image
# against the floor of simply decompressing its layers (`gzip -dc`), cold
# and with a warm layer cache, and records peak memory. Other scanners
# (trivy, syft) are timed on the same image when they are on PATH.
#
#   bench/run.sh [workdir]        # default /tmp/bulwark-bench
#
# Needs hyperfine and GNU time (apt-get install hyperfine time).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/bulwark-bench}
. "$repo/bench/lib.sh"
mkdir -p "$work"
cd "$work"
for tool in hyperfine /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install hyperfine time)" >&2; exit 1; }
done

(cd "$repo" && go build -o "$work/bulwark" ./cmd/bulwark)

bench_images
rm -rf blobs && mkdir blobs && tar -xf debian.tar -C blobs
layers=$(python3 -c 'import json,sys; print(" ".join("blobs/"+l for l in json.load(open("blobs/manifest.json"))[0]["Layers"]))')
comp=$(du -cb $layers | tail -1 | cut -f1)
uncomp=$(for l in $layers; do gzip -dc "$l" | wc -c; done | paste -sd+ | bc)
echo "image: $(echo $layers | wc -w) layers, $((comp >> 20)) MiB compressed, $((uncomp >> 20)) MiB uncompressed"

rm -rf warm-cache && ./bulwark sbom --quiet --cache-dir warm-cache --input debian.tar --format json >/dev/null
cmds=(
	-n 'gzip -dc (floor)' "for l in $layers; do gzip -dc \$l >/dev/null; done"
	-n 'bulwark cold' "./bulwark sbom --quiet --no-cache --input debian.tar --format json >/dev/null"
	-n 'bulwark cold, one layer at a time' "./bulwark sbom --quiet --no-cache --parallel 1 --input debian.tar --format json >/dev/null"
	-n 'bulwark warm' "./bulwark sbom --quiet --cache-dir warm-cache --input debian.tar --format json >/dev/null"
)
if command -v trivy >/dev/null; then
	cmds+=(-n 'trivy' "trivy image --quiet --cache-dir trivy-cache --input debian.tar --format cyclonedx >/dev/null")
fi
if command -v syft >/dev/null; then
	cmds+=(-n 'syft' "syft -q docker-archive:debian.tar -o cyclonedx-json >/dev/null")
fi
hyperfine --warmup 1 --runs "${RUNS:-7}" --export-markdown times.md "${cmds[@]}"

# What language extraction adds: the image with the application layer,
# distribution packages only against everything.
hyperfine --warmup 1 --runs "${RUNS:-7}" --export-markdown times-app.md \
	-n 'bulwark cold, app image, --pkg-types os' "./bulwark sbom --quiet --no-cache --pkg-types os --input app.tar --format json >/dev/null" \
	-n 'bulwark cold, app image, all' "./bulwark sbom --quiet --no-cache --input app.tar --format json >/dev/null"
echo "  app image packages by type:"
./bulwark sbom --quiet --no-cache --input app.tar --format json |
	python3 -c 'import json,sys,collections; print(dict(collections.Counter(p["type"] for p in json.load(sys.stdin)["inventory"]["packages"])))'

echo
echo "peak resident memory (KiB), median of 3:"
peak() { for i in 1 2 3; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 2p; }
echo "  bulwark cold: $(peak ./bulwark sbom --quiet --no-cache --input debian.tar --format json)"
echo "  bulwark cold, app image: $(peak ./bulwark sbom --quiet --no-cache --input app.tar --format json)"
echo "  bulwark warm: $(peak ./bulwark sbom --quiet --cache-dir warm-cache --input debian.tar --format json)"
echo "  packages found: $(./bulwark sbom --quiet --no-cache --input debian.tar --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["inventory"]["packages"]))')"
