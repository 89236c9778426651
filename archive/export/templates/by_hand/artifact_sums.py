"""Write a `sha256sum -c` list of every artifact, taken from each capture's signed manifest
and from its `capture.recorded` custody event (which also names the manifest file).

python3 artifact_sums.py PACKAGE > artifacts.sha256 && sha256sum -c artifacts.sha256
Standard library only. Check the manifest signatures and the events' inclusion first.
"""

import json
import sys
from pathlib import Path


def read_json(*parts):
    return json.loads(Path(*parts).read_text(encoding="utf-8"))


def main(package):
    place = next(p for p in ("data/provenance", "provenance")
                 if Path(package, p, "package.json").is_file())  # fmt: skip
    index = read_json(package, place, "package.json")
    events = {}
    for line in Path(package, index["custody"]).read_text(encoding="utf-8").splitlines():
        if line.strip():
            event = json.loads(line)
            events[event["seq"]] = event
    problems, lines = [], []
    for capture in index["captures"]:
        paths = capture["artifacts"]
        wanted = []  # (name, sha256, where it is stated)
        if capture["manifest"]:
            manifest = read_json(package, capture["manifest"])
            wanted += [(a["name"], a["sha256"], "manifest") for a in manifest["artifacts"]]
        event = events.get(capture["recorded_seq"])
        if event is None or event["subject_id"] != capture["id"]:
            problems.append(f"capture {capture['id']}: its capture.recorded event is missing")
        else:
            recorded = sorted(event["payload"].get("artifacts", {}).items())
            wanted += [(name, digest, "custody event") for name, digest in recorded]
        for name, digest, source in wanted:
            if name not in paths:
                problems.append(f"capture {capture['id']}: {name} ({source}) is not in the package")
            elif f"{digest}  {package}/{paths[name]}" not in lines:
                lines.append(f"{digest}  {package}/{paths[name]}")
    print("\n".join(lines))
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1]))
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        sys.exit(f"FAILED: {type(exc).__name__}: {exc}")
