"""Records how pip's own requirements-file parser reads the fixtures.

Run from this directory:  python3 pip_requirements.py > pip-requirements.json
For each requirements/*.txt it lists the requirements pip parses that pin
exactly one version (one "==" or "===" clause without a wildcard), whatever
their environment markers say; nested -r/-c files are not followed. The Go
test compares its own reading with this output.
"""
import glob
import json

import pip
from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import RequirementsFileParser, handle_requirement_line

from pip._internal.req.req_file import get_line_parser

parser = RequirementsFileParser(PipSession(), get_line_parser(None))

out = {}
for path in sorted(glob.glob("requirements/*.txt")):
    pins = []
    for line in parser._parse_file(path, constraint=False):
        if not line.is_requirement or line.is_editable:
            continue
        req = install_req_from_parsed_requirement(handle_requirement_line(line))
        if req.req is None or req.link is not None:
            continue  # a URL or a local path
        specs = list(req.req.specifier)
        if len(specs) != 1 or specs[0].operator not in ("==", "===") or specs[0].version.endswith("*"):
            continue
        pin = req.req.name + "@" + specs[0].version
        if pin not in pins:
            pins.append(pin)
    out[path] = pins
print(json.dumps({"pip": pip.__version__, "files": out}, indent=1))
