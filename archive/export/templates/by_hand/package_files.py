"""Write a `sha256sum -c` list of the package's own file list (a bag's manifest-sha256.txt
and tagmanifest-sha256.txt, or a WACZ's datapackage.json and its signed digest); exit 1 when
the package holds a file that list does not name.

python3 package_files.py PACKAGE > package.sha256 && sha256sum -c package.sha256
Standard library only.
"""

import json
import os
import sys
from pathlib import Path


def read_json(*parts):
    return json.loads(Path(*parts).read_text(encoding="utf-8"))


def listed_files(package):
    """Every file the package's own lists name, with its SHA-256; and the lists themselves."""
    if Path(package, "bagit.txt").is_file():
        listed = {}
        for name in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
            for line in Path(package, name).read_text(encoding="utf-8").splitlines():
                digest, path = line.split(None, 1)
                listed[path.lstrip("*")] = digest
        return listed, {"tagmanifest-sha256.txt", "tagmanifest-sha512.txt"}
    data = read_json(package, "datapackage.json")
    listed = {r["path"]: r["hash"].removeprefix("sha256:") for r in data["resources"]}
    listed["datapackage.json"] = read_json(package, "datapackage-digest.json")["hash"][7:]
    return listed, {"datapackage-digest.json"}


def main(package):
    listed, own = listed_files(package)
    unlisted = []
    for folder, _, files in os.walk(package):
        for name in files:
            path = os.path.relpath(os.path.join(folder, name), package).replace(os.sep, "/")
            if path not in listed and path not in own:
                unlisted.append(path)
    for path in sorted(listed):
        print(f"{listed[path]}  {package}/{path}")
    for path in sorted(unlisted):
        print(f"FAILED: {path} is in the package but not in its file list", file=sys.stderr)
    return 1 if unlisted else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        sys.exit(f"FAILED: {type(exc).__name__}: {exc}")
