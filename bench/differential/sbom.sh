#!/usr/bin/env bash
# The packages Bulwark finds in the bench images, side by side with Syft
# and Trivy: per package type, the (name, version) pairs each lists and
# the differences (bench/differential/sbomcompare). BENCHMARKS.md
# classifies them.
#
#   bench/differential/sbom.sh [workdir]     # default /tmp/bulwark-bench
#
# Images: debian.tar and app.tar from bench_images (bench/lib.sh) and the
# demo image (demo/image.tar). syft and trivy are used when on PATH; a
# peer that is missing or fails is reported, not skipped silently. Trivy
# lists packages only after loading its database; peer_dbs
# (bench/differential/lib.sh) builds one offline.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/bulwark-bench}
. "$repo/bench/lib.sh"
. "$repo/bench/differential/lib.sh"
bench_init
bench_images
peer_dbs
cp "$repo/demo/image.tar" demo.tar
(cd "$repo" && go build -o "$work/sbomcompare" ./bench/differential/sbomcompare)

for img in demo debian app; do
	args=(-bulwark "sbom-$img.bulwark.json")
	./bulwark sbom --quiet --no-cache --input "$img.tar" --format json >"sbom-$img.bulwark.json"
	if ! command -v syft >/dev/null; then
		echo "$img: syft is not on PATH" >&2
	elif syft -q "docker-archive:$img.tar" -o json >"sbom-$img.syft.json" 2>"sbom-$img.syft.err"; then
		args+=(-syft "sbom-$img.syft.json")
	else
		echo "$img: syft failed: $(tail -1 "sbom-$img.syft.err")" >&2
	fi
	if ! command -v trivy >/dev/null; then
		echo "$img: trivy is not on PATH" >&2
	elif trivy image --quiet --cache-dir trivy-cache --skip-db-update --skip-java-db-update --offline-scan \
		--input "$img.tar" --format json --list-all-pkgs >"sbom-$img.trivy.json" 2>"sbom-$img.trivy.err"; then
		args+=(-trivy "sbom-$img.trivy.json")
	else
		echo "$img: trivy failed: $(grep -m1 -i 'fatal\|error' "sbom-$img.trivy.err")" >&2
	fi
	echo "== $img.tar"
	./sbomcompare "${args[@]}" | tee "sbom-$img.diff"
done
