#!/usr/bin/env bash
# Misconfiguration scanning speed: `bulwark config` over 10,000 Kubernetes
# manifests made from real ones, side by side with `trivy config` when it
# is on PATH (this script builds nothing from other projects).
#
#   bench/config.sh [workdir] [count]     # default /tmp/bulwark-bench, 10000
#
# Seeds are the Pod Security Admission project's own test manifests
# (k8s.io/pod-security-admission's test/testdata: pods of every PSS
# level and field) and its webhook deployment, taken from the Go module
# cache, so every file exercises the workload and PSS checks. Needs
# hyperfine.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/bulwark-bench}
count=${2:-10000}
. "$repo/bench/lib.sh"
bench_init
(cd "$repo" && go build -o "$work/mkmanifests" ./bench/mkmanifests)
psa=$(cd "$repo" && go list -m -f '{{.Dir}}' k8s.io/pod-security-admission)
dir=$work/manifests-$count
if [ ! -d "$dir" ]; then
	./mkmanifests -n "$count" -o "$dir" $(find "$psa/test/testdata" -name '*.yaml' | sort) "$psa/webhook/manifests/50-deployment.yaml"
fi
bytes=$(du -sb "$dir" | cut -f1)
echo "input: $count files, $((bytes >> 20)) MiB"
./bulwark config --quiet --format json "$dir" >config.json || true
python3 -c 'import json,sys; r=json.load(open("config.json")); print("bulwark:", r.get("configFiles"), "files,", len(r.get("misconfigurations") or []), "findings")'
cmds=(-n 'bulwark config' "./bulwark config --quiet --format json $dir >/dev/null")
if command -v trivy >/dev/null; then
	cmds+=(-n 'trivy config' "trivy config --quiet --cache-backend memory --format json --output trivy.bench.json $dir")
fi
hyperfine --warmup 1 --runs 5 --export-json config-bench.json "${cmds[@]}"
bench_medians config-bench.json "$count" files
