# Shared by the side-by-side bench scripts; source it with repo and work
# set.

# bench_init makes and enters the work folder, checks for hyperfine and
# builds bulwark there.
bench_init() {
	mkdir -p "$work"
	cd "$work"
	command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }
	(cd "$repo" && go build -o "$work/bulwark" ./cmd/bulwark)
}

# bench_medians JSON AMOUNT UNIT prints each command's median wall time
# from a hyperfine export, and AMOUNT per second of it in UNIT ("MB":
# AMOUNT is bytes; anything else is a count, "files").
bench_medians() {
	python3 - "$@" <<'PY'
import json, sys, statistics
path, amount, unit = sys.argv[1], float(sys.argv[2]), sys.argv[3]
scale = 1e6 if unit == "MB" else 1
for r in json.load(open(path))["results"]:
    med = statistics.median(r["times"])
    print(f"{r['command']}: median {med:.2f} s, {amount / scale / med:.1f} {unit}/s")
PY
}
