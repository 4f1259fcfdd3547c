import json
# name, version, source, kind, deps(by name)
pk = [
 ("aho-corasick","0.7.18","crates.io",None,["memchr"]),
 ("cc","1.0.71","crates.io","build",[]),
 ("itoa","0.4.8","crates.io",None,[]),
 ("memchr","2.4.1","crates.io",None,[]),
 ("proc-macro2","1.0.32","crates.io","build",["unicode-xid"]),
 ("quote","1.0.10","crates.io","build",["proc-macro2"]),
 ("regex","1.5.4","crates.io",None,["aho-corasick","memchr","regex-syntax"]),
 ("regex-syntax","0.6.25","crates.io",None,[]),
 ("ryu","1.0.5","crates.io",None,[]),
 ("scanme-rs","0.1.0","local",None,["cc","regex","serde","serde_json","smallvec"]),
 ("serde","1.0.130","crates.io",None,["serde_derive"]),
 ("serde_derive","1.0.130","crates.io","build",["proc-macro2","quote","syn"]),
 ("serde_json","1.0.68","crates.io",None,["itoa","ryu","serde"]),
 ("smallvec","1.6.1","git",None,[]),
 ("syn","1.0.81","crates.io","build",["proc-macro2","quote","unicode-xid"]),
 ("unicode-xid","0.2.2","crates.io","build",[]),
]
idx = {p[0]: i for i, p in enumerate(pk)}
out = []
for n, v, s, k, d in pk:
    e = {"name": n, "version": v, "source": s}
    if k: e["kind"] = k
    if d: e["dependencies"] = sorted(idx[x] for x in d)
    if n == "scanme-rs": e["root"] = True
    out.append(e)
open("audit.json", "w").write(json.dumps({"packages": out}, separators=(",", ":")))
