# Shared by sbom.sh and speed.sh: vulnerability databases for the peers,
# built offline from the corpus's OSV records, since grype.anchore.io and
# Trivy's registry (mirror.gcr.io, ghcr.io) are out of reach here. Source
# it after bench/lib.sh, with repo and work set.

corpus=${CORPUS:-/work/shared/corpus}
# The trivy-db commit Trivy v0.74.0's go.mod requires.
trivy_db_version=v0.0.0-20260813095258-0e0340a01b57

# peer_dbs builds, when the peer is on PATH and the database is not there
# yet:
#   - $work/grype-db: Grype's own builder (bench/differential/grypedb) over
#     the corpus's Go records, imported with `grype db import`;
#   - $work/trivy-cache/db/trivy.db: trivy-db's own `build`, at the commit
#     Trivy pins, over the same records laid out as its govulndb source
#     expects (vuln-list's govulndb/data/osv).
#   - $work/trivy-cache/java-db: an empty Java index in trivy-java-db's
#     schema (schema 1, the one Trivy v0.74.0 reads). Trivy will not scan
#     jars without one ("--skip-java-db-update cannot be specified on the
#     first run"); the real one maps Maven Central's SHA-1s to coordinates,
#     which Trivy then cannot look up, like Bulwark, which has no such
#     index.
# Both builders keep only the records their upstream builds take from these
# sources (Grype: GO-* records; Trivy: stdlib and golang.org/x modules,
# the rest coming from GitHub's database in a real build).
peer_dbs() {
	export GRYPE_DB_CACHE_DIR=$work/grype-db GRYPE_DB_AUTO_UPDATE=false GRYPE_DB_VALIDATE_AGE=false
	if command -v grype >/dev/null && [ ! -f "$work/grype-db/6/vulnerability.db" ]; then
		(cd "$repo/bench/differential/grypedb" && go build -o "$work/grypedb" .)
		rm -rf grype-build && ./grypedb -o grype-build "$corpus/osv/Go.zip"
		grype db import grype-build/build/vulnerability-db_*.tar.gz
	fi
	if command -v trivy >/dev/null && [ ! -f "$work/trivy-cache/db/trivy.db" ]; then
		GOBIN=$work go install "github.com/aquasecurity/trivy-db/cmd/trivy-db@$trivy_db_version"
		rm -rf trivy-src && mkdir -p trivy-src/govulndb/data/osv trivy-cache
		unzip -q "$corpus/osv/Go.zip" -d trivy-src/govulndb/data/osv
		./trivy-db build --only-update govulndb --cache-dir trivy-src --output-dir trivy-cache/db
		mkdir -p trivy-cache/java-db
		python3 - trivy-cache/java-db <<'PY'
import datetime, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1] + "/trivy-java.db")
db.executescript("""
CREATE TABLE artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT);
CREATE TABLE indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT, foreign key (artifact_id) references artifacts(id));
CREATE UNIQUE INDEX artifacts_idx ON artifacts(artifact_id, group_id);
CREATE INDEX indices_artifact_idx ON indices(artifact_id);
CREATE UNIQUE INDEX indices_sha1_idx ON indices(sha1);
""")
db.close()
now = datetime.datetime.now(datetime.timezone.utc)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
json.dump({"Version": 1, "NextUpdate": fmt(now + datetime.timedelta(days=7)), "UpdatedAt": fmt(now), "DownloadedAt": fmt(now)},
          open(sys.argv[1] + "/metadata.json", "w"))
PY
	fi
}
