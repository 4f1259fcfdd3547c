# Reads "a<TAB>b" lines and prints the order of the two Debian versions
# (-1, 0, 1) by libapt-pkg's implementation of the dpkg algorithm
# (python3-apt), or "invalid" when dpkg --validate-version rejects either.
import subprocess
import sys
import apt_pkg

apt_pkg.init_system()
valid = {}


def ok(v):
    if v not in valid:
        r = subprocess.run(["dpkg", "--validate-version", v], capture_output=True)
        valid[v] = r.returncode != 2
    return valid[v]


out = []
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    if not (ok(a) and ok(b)):
        out.append("invalid")
        continue
    c = apt_pkg.version_compare(a, b)
    out.append(str((c > 0) - (c < 0)))
print("\n".join(out))
