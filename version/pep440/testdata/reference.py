# Reads "a<TAB>b" lines on stdin and prints, one line each, the order of
# the two versions by packaging.version.Version (-1, 0, 1), or "invalid"
# when either does not parse. Run with Debian's /usr/bin/python3, which
# imports Debian's python3-packaging.
import sys

from packaging.version import InvalidVersion, Version

cache = {}


def parse(s):
    if s not in cache:
        try:
            cache[s] = Version(s)
        except (InvalidVersion, ValueError):  # ValueError: > 4300 digits
            cache[s] = None
    return cache[s]


out = []
for line in sys.stdin.buffer:
    a, b = line.decode("utf-8").rstrip("\n").split("\t")
    va, vb = parse(a), parse(b)
    if va is None or vb is None:
        out.append("invalid")
    else:
        out.append(str((va > vb) - (va < vb)))
sys.stdout.write("\n".join(out) + "\n")
