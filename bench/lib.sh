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

# bench_images builds the bench images in the current folder, unless they
# are there: debian.tar, four layers of this Debian machine's own files
# (base system with its dpkg database, Python and GCC runtime files,
# documentation and locales, and a layer that rewrites the package
# database as an apt install does), and app.tar, the same with an
# application layer on top: a Node.js app with its installed node_modules
# (real packages from the npm registry) and this machine's Java
# libraries. app.tar needs npm and the registry.
bench_images() {
	(cd "$repo" && go build -o "$work/mkimage" ./bench/mkimage)
	local debian=(
		'etc,var/lib/dpkg,usr/bin,usr/sbin,usr/lib/os-release'
		'usr/lib/python3,usr/lib/python3.11,usr/lib/gcc'
		'usr/share/doc,usr/share/locale,usr/share/i18n,usr/share/zoneinfo'
		'var/lib/dpkg'
	)
	[ -f debian.tar ] || ./mkimage -o debian.tar -tag bulwark-bench:debian "${debian[@]}"
	if [ ! -f app.tar ]; then
		rm -rf app && mkdir -p app/srv/app app/usr/share
		cp -r /usr/share/java app/usr/share/java
		(cd app/srv/app && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts \
			express@4.18.2 react react-dom webpack typescript eslint lodash@4.17.20 moment aws-sdk@2 @babel/core jest >/dev/null)
		./mkimage -o app.tar -tag bulwark-bench:app "${debian[@]}" "@$work/app:srv,usr/share/java"
	fi
}
