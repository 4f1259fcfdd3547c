#!/usr/bin/env bash
# Secret scanning throughput and recall, side by side with gitleaks and
# Trivy's secret scanner when they are on PATH (this script builds nothing
# from other projects).
#
#   bench/secrets.sh [workdir] [MiB]    # default /tmp/bulwark-bench, 600 MiB
#
# The corpus is real text from this machine: the Go module cache's
# sources (Kubernetes, Helm, cel-go, buildkit, … as fetched for Bulwark),
# the Go toolchain's own sources and /usr/share's uncompressed text files,
# copied until MiB is reached,
# plus planted/: files with made-up credentials in the real formats of
# common services. Throughput is corpus bytes over the median wall time
# of a whole run (hyperfine, $RUNS runs, default 3; the recall runs warm the page cache); recall is how many of the planted
# files each tool reports.
#
# ONLY_BULWARK=1 times bulwark alone. Needs hyperfine (apt-get install
# hyperfine).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/bulwark-bench}
want_mib=${2:-700}
. "$repo/bench/lib.sh"
bench_init

corpus=$work/secret-corpus
if [ ! -f "$corpus/.complete" ]; then
	rm -rf "$corpus" && mkdir -p "$corpus/src" "$corpus/share"
	modcache=$(cd "$repo" && go env GOMODCACHE)
	# Text sources, smallest-first order is not needed: take files as found
	# until the budget is spent.
	budget=$((want_mib << 20))
	copy() { # src-root dest-root find-args...
		local from=$1 to=$2; shift 2
		(cd "$from" && find . -type f "$@" -size -2M -printf '%s %p\n') |
			awk -v b="$budget" '{ if (s + $1 > b) exit; s += $1; sub(/^[0-9]+ /, ""); print }' |
			(cd "$from" && tr '\n' '\0' | xargs -0 cp --parents -t "$to")
	}
	copy "$modcache" "$corpus/src" \( -name '*.go' -o -name '*.md' -o -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.txt' -o -name '*.py' -o -name '*.js' -o -name '*.sh' -o -name '*.proto' -o -name '*.c' -o -name '*.h' -o -name '*.toml' \) -not -path './cache/*'
	for extra in goroot share; do
		have=$(du -sb "$corpus" | cut -f1)
		[ "$have" -lt "$((want_mib << 20))" ] || break
		budget=$(((want_mib << 20) - have))
		case $extra in
		goroot) mkdir -p "$corpus/goroot" && copy "$(cd "$repo" && go env GOROOT)/src" "$corpus/goroot" -not -path '*/testdata/*' ;;
		share) copy /usr/share "$corpus/share" -not -name '*.gz' -not -name '*.mo' -not -name '*.png' -not -name '*.svg' -not -name '*.ttf' -not -path './locale/*' -not -path './zoneinfo/*' ;;
		esac
	done
	chmod -R u+w "$corpus"
	mkdir -p "$corpus/planted"
	# Made-up credentials in real formats: none of them is valid anywhere.
	p=$corpus/planted
	printf 'aws_access_key_id = AKIAZ3MHXQ4T7KPLN2VB\naws_secret_access_key = q8Zr4Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2GeXk\n' >"$p/aws-credentials"
	printf 'GITHUB_TOKEN=ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n' >"$p/github.env"
	printf 'token: glpat-Xk48Lm2Vn9Rb4Tk1Wz8P\n' >"$p/gitlab.yaml"
	printf 'SLACK_BOT_TOKEN=xoxb-2948573821-4857392018475-Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd\n' >"$p/slack.env"
	printf 'webhook: https://hooks.slack.com/services/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\n' >"$p/slack-webhook.yml"
	printf 'stripe.api_key = "sk_live_51Hx48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2GeQw"\n' >"$p/stripe.py"
	printf '//registry.npmjs.org/:_authToken=npm_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n' >"$p/.npmrc"
	printf 'SENDGRID_API_KEY=SG.Xk48Lm2Vn9Rb4Tk1Wz8Pc3.Hd6Jf0Ys5Ua2GeQwXk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6J\n' >"$p/sendgrid.env"
	printf 'const key = "AIzaSyXk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua";\n' >"$p/gcp.js"
	printf 'DATABASE_URL=postgres://app:Xk48Lm2Vn9Rb@db.internal:5432/shop\n' >"$p/db.env"
	printf 'twilio_key = "SKd8a2f09c3b7e41f6a95d0c8b2e7f4a13"\n' >"$p/twilio.py"
	printf 'DD_API_KEY=3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e\ndatadog_app_key = "7c2e9a4f1b8d3c6e0a5f2b9d4e7c1a8f3b6d0e9c"\n' >"$p/datadog.env"
	printf 'pypi_token = "pypi-AgEIcHlwaS5vcmcCJDk4YzQ5ZTI3LWM2MzMtNDk4Zi1hMzE4LTk0ZGE3YmQ2MTE2ZQACKlszLCJmMTk5ZjU0Mi0zNzE4LTRiNmItYjYwYi1hNmE5NjdlNmYxNjEiXQAABiBqYWxsZ29rZXlzZ29oZXJlYWxzb2xvbmdlbm91Z2g"\n' >"$p/pypi.py"
	printf 'password = "Xk48Lm2Vn9Rb4Tk1"\n' >"$p/settings.ini"
	{
		echo '-----BEGIN RSA PRIVATE KEY-----'
		head -c 900 /dev/zero | tr '\0' 'A' | fold -w 64 | sed 's/^A/M/'
		echo '-----END RSA PRIVATE KEY-----'
	} >"$p/id_rsa"
	printf 'https://deploy:ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge@github.com\n' >"$p/.git-credentials"
	printf 'MAILGUN_API_KEY=key-3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e\n' >"$p/mailgun.env"
	printf 'jwt: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6ImJlbmNoIiwiaWF0IjoxNzAwMDAwMDAwfQ.Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2GeQwErTy\n' >"$p/jwt.yaml"
	printf '{"auths":{"registry.example.com":{"auth":"ZGVwbG95OlhrNDhMbTJWbjlSYjRUazFXejg="}}}\n' >"$p/docker-config.json"
	printf 'client_secret = "Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5U"\n' >"$p/oauth.toml"
	touch "$corpus/.complete"
fi
bytes=$(du -sb --exclude=.complete "$corpus" | cut -f1)
files=$(find "$corpus" -type f | wc -l)
planted=$(ls -A "$corpus/planted" | wc -l)
echo "corpus: $((bytes >> 20)) MiB in $files files, $planted planted"

recall() { # tool-name json-file jq-like-python-expression
	python3 - "$1" "$2" "$corpus" <<'EOF'
import json, sys
name, path, corpus = sys.argv[1:4]
data = json.load(open(path))
if isinstance(data, dict) and "secrets" in data:            # bulwark
    files = {s["path"] for s in data["secrets"]}
elif isinstance(data, dict) and "Results" in data:          # trivy
    files = {r["Target"] for r in data.get("Results") or [] if r.get("Secrets")}
else:                                                       # gitleaks
    files = {f["File"] for f in data}
planted = {f for f in files if "planted/" in f}
print(f"{name}: {len(files)} files with findings, {len(planted)} of the planted files")
EOF
}

cmds=(-n 'bulwark secret' "./bulwark secret --quiet --format json $corpus >/dev/null")
./bulwark secret --quiet --format json "$corpus" >bulwark.secrets.json || true
recall bulwark bulwark.secrets.json
if [ -z "${ONLY_BULWARK:-}" ] && command -v gitleaks >/dev/null; then
	cmds+=(-n 'gitleaks dir' "gitleaks dir --no-banner --log-level error --exit-code 0 --report-format json --report-path gitleaks.bench.json $corpus")
	gitleaks dir --no-banner --log-level error --exit-code 0 --report-format json --report-path gitleaks.json "$corpus" || true
	recall gitleaks gitleaks.json
fi
if [ -z "${ONLY_BULWARK:-}" ] && command -v trivy >/dev/null; then
	cmds+=(-n 'trivy fs --scanners secret' "trivy fs --quiet --scanners secret --format json --output trivy.bench.json $corpus")
	trivy fs --quiet --scanners secret --format json --output trivy.json "$corpus" || true
	recall trivy trivy.json
fi
hyperfine --warmup 0 --runs "${RUNS:-3}" --export-json secrets-bench.json "${cmds[@]}"
bench_medians secrets-bench.json "$bytes" MB
