# Reads "a<TAB>b" lines and prints packaging.version's order of the two
# versions (-1, 0, 1), or "invalid" when either does not parse. Run with
# Debian's python3 and python3-packaging.
import sys
from packaging.version import InvalidVersion, Version

out = []
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        out.append("invalid")
        continue
    out.append(str((va > vb) - (va < vb)))
print("\n".join(out))
