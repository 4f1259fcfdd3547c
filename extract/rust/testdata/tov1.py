# Rewrites a cargo v3/v4 lockfile in the v1 layout (cargo before 1.41):
# every dependency spelled "name version (source)", checksums in [metadata].
import re, sys
text = open(sys.argv[1]).read()
blocks = text.split("\n[[package]]\n")[1:]
pkgs = []
for b in blocks:
    p = {"deps": []}
    for line in b.splitlines():
        m = re.match(r'^(\w+) = "(.*)"$', line)
        if m: p[m.group(1)] = m.group(2)
        m = re.match(r'^ "(.*)",$', line)
        if m: p["deps"].append(m.group(1))
    pkgs.append(p)
def full(dep):
    f = dep.split(" ")
    c = [p for p in pkgs if p["name"] == f[0] and (len(f) < 2 or p["version"] == f[1])]
    assert len(c) == 1, dep
    s = c[0]["name"] + " " + c[0]["version"]
    if "source" in c[0]: s += " (" + c[0]["source"] + ")"
    return s
out = []
for p in pkgs:
    out.append("[[package]]")
    for k in ("name", "version", "source"):
        if k in p: out.append('%s = "%s"' % (k, p[k]))
    if p["deps"]:
        out.append("dependencies = [")
        out += [' "%s",' % full(d) for d in p["deps"]]
        out.append("]")
    out.append("")
out.append("[metadata]")
for p in pkgs:
    if "checksum" in p:
        out.append('"checksum %s %s (%s)" = "%s"' % (p["name"], p["version"], p["source"], p["checksum"]))
print("\n".join(out))
