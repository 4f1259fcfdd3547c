"""Records Python's own reading (tomllib, json) of the lockfile fixtures.

Run from this directory:  python3 lockfiles.py > lockfiles.json
For each lockfile it lists name@version of every locked package with its
source kind, so the Go test can check it reads the same entries and skips
exactly the local ones.
"""
import glob
import json
import tomllib

out = {}
for path in sorted(glob.glob("poetry/**/poetry.lock", recursive=True)):
    with open(path, "rb") as f:
        lock = tomllib.load(f)
    out[path] = [
        {"pin": p["name"] + "@" + p["version"], "source": p.get("source", {}).get("type", "")}
        for p in lock.get("package", [])
    ]
for path in sorted(glob.glob("uv/**/uv.lock", recursive=True)):
    with open(path, "rb") as f:
        lock = tomllib.load(f)
    out[path] = [
        {"pin": p["name"] + "@" + p.get("version", ""), "source": next(iter(p.get("source", {})), "")}
        for p in lock.get("package", [])
    ]
for path in sorted(glob.glob("pylock/**/pylock*.toml", recursive=True)):
    with open(path, "rb") as f:
        lock = tomllib.load(f)
    out[path] = [
        {"pin": p["name"] + "@" + p.get("version", ""), "source": "directory" if "directory" in p else ""}
        for p in lock.get("packages", [])
    ]
for path in sorted(glob.glob("pipenv/**/Pipfile.lock", recursive=True)):
    with open(path) as f:
        lock = json.load(f)
    out[path] = [
        {"pin": name + "@" + e.get("version", "").lstrip("="), "source": section}
        for section in ("default", "develop")
        for name, e in sorted(lock.get(section, {}).items())
    ]
print(json.dumps({"files": out}, indent=1))
