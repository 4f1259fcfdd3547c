# Repacks installed distributions from the pyenv site-packages into wheels
# (see ../SOURCES.md): python3 mkwheels.py flask-3.1.3 blinker-1.9.0 ...
import csv, os, shutil, subprocess, sys
SP = "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages"
dists = sys.argv[1:]
os.makedirs("wheels", exist_ok=True)
for d in dists:
    di = os.path.join(SP, d + ".dist-info")
    src = os.path.join("src", d)
    shutil.rmtree(src, ignore_errors=True)
    with open(os.path.join(di, "RECORD")) as f:
        for row in csv.reader(f):
            p = row[0]
            if p.startswith("..") or "__pycache__" in p or p.endswith(".pyc"):
                continue
            s = os.path.join(SP, p)
            if not os.path.isfile(s):
                continue
            t = os.path.join(src, p)
            os.makedirs(os.path.dirname(t), exist_ok=True)
            shutil.copy2(s, t)
    md = os.path.join(src, d + ".dist-info", "METADATA"); t = open(md).read().replace("Metadata-Version: 2.4", "Metadata-Version: 2.1", 1).replace("Metadata-Version: 2.3", "Metadata-Version: 2.1", 1).replace("Metadata-Version: 2.2", "Metadata-Version: 2.1", 1); open(md, "w").write(t)
    subprocess.run(["/usr/bin/python3", "-m", "wheel", "pack", "-d", "wheels", src], check=True)
