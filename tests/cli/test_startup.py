"""The command line starts at once: importing it, `--version` and `--help` load no heavy module.

Not timed (a loaded machine would make timings flaky); `benchmarks/startup.py` measures. What
is checked is the cause of a slow start: which modules a fresh interpreter ends up holding.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "playwright", "yt_dlp", "twitter_text", "sqlalchemy", "sqlmodel", "alembic", "fastapi",
    "starlette", "uvicorn", "procrastinate", "psycopg", "boto3", "botocore", "PIL", "imagehash",
    "cryptography", "httpx", "extruct", "lxml", "selectolax", "warcio",
    "archive.archive", "archive.provenance", "archive.export", "collector.capture",
    "collector.collect", "collector.extract", "collector.platforms", "collector.queue",
    "collector.web",
)  # fmt: skip
"""Not here: rich, with which typer itself draws `--help` (tens of milliseconds)."""
COMMANDS = {"capture", "collect", "export", "extract", "init", "key", "list", "log", "recheck",
            "serve", "show", "status", "timestamp", "verify", "worker"}  # fmt: skip

PROBE = """
import json, sys
from collector.cli.app import main
heavy = json.loads(sys.argv[2])
sys.argv = ["evidence", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
loaded = sorted(name for name in sys.modules
                if any(name == h or name.startswith(h + ".") for h in heavy))
print("\\n@@" + json.dumps({"code": code, "loaded": loaded}))
"""


def _probe(*args: str) -> tuple[str, dict]:
    """Run the CLI with `args` in a fresh interpreter; its output and the heavy modules held."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output, _, tail = done.stdout.rpartition("\n@@")
    assert tail, done.stderr
    return output, json.loads(tail)


def test_import_loads_no_heavy_module() -> None:
    code = "import json, sys, collector.cli.app; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    modules = json.loads(done.stdout)
    heavy = [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert heavy == []


@pytest.mark.parametrize(
    "args", [("--version",), ("--help",), *((name, "--help") for name in sorted(COMMANDS))]
)
def test_version_and_help_load_no_heavy_module(args: tuple[str, ...]) -> None:
    _output, result = _probe(*args)
    assert result == {"code": 0, "loaded": []}


def test_help_lists_every_command() -> None:
    output, _result = _probe("--help")
    rows = (re.match(r"^[│|\s]+([a-z][\w-]*)\s{2,}", line) for line in output.splitlines())
    listed = {row.group(1) for row in rows if row}
    assert listed >= COMMANDS


def test_the_probe_sees_heavy_modules(tmp_path: Path) -> None:
    """The check can fail: a command that opens the archive does load the heavy modules."""
    _output, result = _probe("--home", str(tmp_path), "status")
    assert result["code"] == 0
    assert {"archive.archive", "sqlalchemy"} <= set(result["loaded"])
