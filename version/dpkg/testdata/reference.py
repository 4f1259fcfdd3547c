# Reference for the dpkg comparator. Reads "a<TAB>b" lines on stdin and
# prints one answer per line: the order of the two Debian versions (-1, 0,
# 1) by libapt-pkg's implementation of dpkg's algorithm (python3-apt), or
# "invalid" when `dpkg --validate-version` rejects either with an error
# (exit status 2; warnings, status 1, are valid versions).
#
# To spare thousands of dpkg processes, versions of the plain form Debian
# Policy 5.6.12 describes (a short epoch, an upstream version of
# [A-Za-z0-9.+~] starting with a digit, at most one hyphen, before a
# non-empty revision of the same characters) are taken as valid without
# asking: dpkg accepts all of them without even a warning.
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import apt_pkg


PLAIN = re.compile(r"(?:[0-9]{1,9}:)?[0-9][A-Za-z0-9.+~]*(?:-[A-Za-z0-9.+~]+)?")


def valid(v):
    if PLAIN.fullmatch(v):
        return True
    r = subprocess.run(["dpkg", "--validate-version", "--", v], capture_output=True)
    return r.returncode != 2


apt_pkg.init_system()
pairs = [line.rstrip("\n").split("\t") for line in sys.stdin]
versions = sorted({v for p in pairs for v in p})
# One dpkg process per distinct version: run them side by side.
with ThreadPoolExecutor(max_workers=16) as pool:
    ok = dict(zip(versions, pool.map(valid, versions)))
out = []
for a, b in pairs:
    if not (ok[a] and ok[b]):
        out.append("invalid")
        continue
    c = apt_pkg.version_compare(a, b)
    out.append(str((c > 0) - (c < 0)))
print("\n".join(out))
