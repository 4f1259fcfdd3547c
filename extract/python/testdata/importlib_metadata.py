"""Records how CPython's importlib.metadata reads the metadata fixtures.

Run from this directory:  python3 importlib_metadata.py > importlib-metadata.json
The Go test compares its own reading of the same files with the output.
"""
import importlib.metadata as m
import json
import os

out = []
for d in ["dist-packages", "site-packages", "python2.7", "python2.7/lib-dynload"]:
    for dist in m.distributions(path=[d]):
        md = dist.metadata
        out.append({
            "path": os.path.relpath(str(dist._path), ".").replace(os.sep, "/"),
            "name": md["Name"],
            "version": dist.version,
            "license": md["License"],
            "licenseExpression": md["License-Expression"],
            "licenseClassifiers": [c for c in (md.get_all("Classifier") or []) if c.startswith("License ::")],
        })
out.sort(key=lambda e: e["path"])
print(json.dumps({"python": __import__("sys").version.split()[0], "distributions": out}, indent=1))
