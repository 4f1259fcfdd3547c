#!/usr/bin/env bash
# Load and fault bench of a scan-server fleet, all on this machine's
# loopback: one Redis, one registry holding 10 images that share base
# layers, two `bulwark server --worker` processes and one API server.
# serverload sends N scan requests from C clients through the API; while
# it runs, the first worker is killed with SIGKILL as soon as it is
# analysing, and started again. At the end it prints the load's numbers,
# each process's bulwark_layers_analysed_total, and how many layer
# results Redis holds (each distinct layer should be analysed about once
# by the whole fleet: 9 demo layers + 2 Debian layers + 10 own layers).
#
#   bench/server.sh [workdir]          # default /tmp/bulwark-serverbench
#
# Environment: N (200), C (20), WORKERS (scans at once per worker
# process, 2), KILL (1; 0 runs without the kill, for a baseline), SERVER_FLAGS (extra flags for every bulwark server, e.g. a
# shorter lease timeout). Needs redis-server (and redis-cli),
# docker-registry, curl, python3.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/bulwark-serverbench}
N=${N:-200}
C=${C:-20}
WORKERS=${WORKERS:-2}
KILL=${KILL:-1}
read -r -a extra <<<"${SERVER_FLAGS:-}"
for tool in redis-server redis-cli docker-registry curl python3; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install redis-server docker-registry curl)" >&2; exit 1; }
done
rm -rf "$work"
mkdir -p "$work"
cd "$work"
(cd "$repo" && go build -o "$work/bulwark" ./cmd/bulwark &&
	go build -o "$work/serverload" ./bench/serverload &&
	go build -o "$work/pushimages" ./bench/pushimages)

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# waitfor WHAT LOG CMD...: CMD must succeed within 30 s.
waitfor() {
	local what=$1 log=$2
	shift 2
	for _ in $(seq 150); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "bench: $what did not come up; $log says:" >&2
	tail -20 "$log" >&2
	exit 1
}

# 1. Redis, with the settings docs/server-redis.md asks of production.
rport=$(freeport)
mkdir redis
redis-server --bind 127.0.0.1 --port "$rport" --dir "$work/redis" --save "" \
	--appendonly yes --appendfsync everysec --maxmemory-policy noeviction >redis/log 2>&1 &
pids+=($!)
waitfor redis redis/log redis-cli -p "$rport" ping
redis_url=redis://127.0.0.1:$rport

# The registry, as internal/testregistry runs it, and the images.
regport=$(freeport)
registry=127.0.0.1:$regport
mkdir registry
cat >registry/config.yml <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry/data
http:
  addr: $registry
EOF
docker-registry serve registry/config.yml >registry/log 2>&1 &
pids+=($!)
waitfor registry registry/log curl -sf "http://$registry/v2/"
./pushimages -registry "$registry" -n 10 -repo "$repo" >images.txt
echo "pushed $(wc -l <images.txt) images to $registry"

# The demo database, imported once.
./bulwark db import --cache-dir "$work/dbcache" "$repo"/demo/db/*.zip >/dev/null
db=$work/dbcache/db/vuln.db

# 2. Two workers and the API server.
token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
common=(--token "$token" --redis "$redis_url" --allow-registry "$registry"
	--insecure-registry "$registry" --db "$db" "${extra[@]}")
declare -A port pid
# start NAME ARGS...: a bulwark server named NAME, logging to NAME.log.
start() {
	local name=$1
	shift
	[ -n "${port[$name]:-}" ] || port[$name]=$(freeport)
	./bulwark server --listen "127.0.0.1:${port[$name]}" --cache-dir "$work/$name-cache" \
		"${common[@]}" "$@" >>"$name.log" 2>&1 &
	pid[$name]=$!
	pids+=($!)
	waitfor "$name" "$name.log" curl -sf "http://127.0.0.1:${port[$name]}/healthz"
}
metric() { # metric NAME: that process's layers-analysed counter
	curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:${port[$1]}/metrics" |
		awk '$1 == "bulwark_layers_analysed_total" { print $2; found = 1 } END { if (!found) print 0 }'
}
start w1 --worker --workers "$WORKERS"
start w2 --worker --workers "$WORKERS"
start api --workers 0
echo "fleet: redis $redis_url, workers on ports ${port[w1]} ${port[w2]}, API on ${port[api]}"

# 3. The load.
./serverload -url "http://127.0.0.1:${port[api]}" -token "$token" -n "$N" -c "$C" -images images.txt >load.txt 2>&1 &
load=$!

# 4. Kill the first worker with SIGKILL once it is analysing (or after
# 30 s), then start it again. Its counter is read just before the kill:
# analyses it finished after the reading (stored in Redis, so not done
# again) are not in the sum below, and ones it had under way are done
# again by others.
before=0
for _ in $(seq "$((KILL * 300))"); do
	[ "$(metric w1)" != 0 ] && break
	kill -0 "$load" 2>/dev/null || break
	sleep 0.1
done
if [ "$KILL" = 1 ]; then
	before=$(metric w1)
	kill -9 "${pid[w1]}"
	wait "${pid[w1]}" 2>/dev/null || true
	echo "killed worker w1 (SIGKILL) after it had analysed $before layers; jobs held by the fleet then: $(redis-cli -p "$rport" xpending bulwark:jobs workers | head -1)"
	sleep 1
	start w1 --worker --workers "$WORKERS"
	echo "w1 started again"
fi

status=0
wait "$load" || status=$?
cat load.txt

# 5. Layers analysed by each process.
after=$(metric w1)
w2=$(metric w2)
api=$(metric api)
echo "layers analysed: w1 $before before the kill + $after since, w2 $w2, api $api; total $((${before%.*} + ${after%.*} + ${w2%.*} + ${api%.*}))"
echo "layer results in Redis: $(redis-cli -p "$rport" --scan --pattern 'bulwark:layer:*' | wc -l)"
echo "queue depth at the end: $(redis-cli -p "$rport" xlen bulwark:jobs)"
exit $status
