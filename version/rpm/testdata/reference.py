# Reference for the rpm comparator. Reads "a<TAB>b" lines on stdin and
# prints one answer per line: the order of the two EVRs (-1, 0, 1) by
# rpm's own code (python3-rpm): rpm.ver splits each EVR with rpm's parser
# and rpm.labelCompare compares the (epoch, version, release) tuples, a
# missing epoch being 0 and a missing release None. "invalid" when rpm.ver
# rejects either string.
import sys

import rpm


def evr(s):
    try:
        v = rpm.ver(s)
    except (ValueError, TypeError):
        return None
    return (v.e, v.v, v.r)


out = []
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    x, y = evr(a), evr(b)
    if x is None or y is None:
        out.append("invalid")
        continue
    try:
        c = rpm.labelCompare(x, y)
    except ValueError:
        out.append("invalid")
        continue
    out.append(str((c > 0) - (c < 0)))
print("\n".join(out))
