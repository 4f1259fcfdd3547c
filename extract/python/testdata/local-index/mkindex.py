# Writes a PEP 503 simple index (simple/<name>/index.html) for wheels/.
import hashlib, os, re
os.makedirs("simple", exist_ok=True)
by = {}
for w in sorted(os.listdir("wheels")):
    name = re.sub(r"[-_.]+", "-", w.split("-")[0]).lower()
    by.setdefault(name, []).append(w)
root = ["<!DOCTYPE html><html><body>"]
for name, ws in by.items():
    os.makedirs(f"simple/{name}", exist_ok=True)
    root.append(f'<a href="{name}/">{name}</a>')
    links = []
    for w in ws:
        h = hashlib.sha256(open(f"wheels/{w}", "rb").read()).hexdigest()
        links.append(f'<a href="../../wheels/{w}#sha256={h}">{w}</a><br/>')
    open(f"simple/{name}/index.html", "w").write("<!DOCTYPE html><html><body>" + "\n".join(links) + "</body></html>")
root.append("</body></html>")
open("simple/index.html", "w").write("\n".join(root))
