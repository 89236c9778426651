"""Startup benchmark: how long `evidence` takes to answer, next to a bare Python interpreter.

Reproduce from the repository root:

    .venv/bin/python benchmarks/startup.py            # --runs N (default 15)

Each command runs in a fresh interpreter, N times, interleaved with the others (the machine may
be shared), and the median wall time is reported beside the median of `python -c pass`. The
budgets (issue "One shape for the code", item 6): `--version` and `--help` within 0.3 s of the
bare interpreter, `status` and `list` (which open an archive: SQLite, schema check) within
0.8 s. The archive is a fresh one in a temporary folder, created before timing starts.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "import sys; from collector.cli.app import main; sys.argv[0] = 'evidence'; main()"
BUDGETS_S = {"--version": 0.3, "--help": 0.3, "status": 0.8, "list": 0.8}
"""The most each command may take beyond the bare interpreter."""


def run_once(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one run; a failing command is an error, not a fast result."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv[3:]} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    runs = parser.parse_args().runs
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="evidence-startup-") as home:
        env["EVIDENCE_HOME"] = home
        subprocess.run([sys.executable, "-c", CLI, "init"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        commands = {"python -c pass": [sys.executable, "-c", "pass"]}
        commands |= {f"evidence {name}": [sys.executable, "-c", CLI, name] for name in BUDGETS_S}
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, argv in commands.items():
                times[name].append(run_once(argv, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    bare = medians["python -c pass"]
    print(f"median of {runs} runs each, interleaved; {sys.executable} ({sys.version.split()[0]})")
    print(f"{'command':<22} {'median s':>9} {'beyond bare s':>14} {'budget s':>9}  verdict")
    for name, median in medians.items():
        budget = BUDGETS_S.get(name.removeprefix("evidence "))
        beyond = median - bare
        verdict = "" if budget is None else ("ok" if beyond <= budget else "OVER")
        shown = "" if budget is None else f"{budget:.1f}"
        print(f"{name:<22} {median:>9.3f} {beyond:>14.3f} {shown:>9}  {verdict}")
    print(f"reproduce: {sys.executable} benchmarks/startup.py --runs {runs}")


if __name__ == "__main__":
    main()
