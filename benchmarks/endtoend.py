"""End-to-end benchmark: `evidence capture` as a user runs it, from process start to exit.

Reproduce from the repository root:

    .venv/bin/python benchmarks/endtoend.py                 # 5 rounds, batch of 20, steps
    .venv/bin/python benchmarks/endtoend.py --rounds 3 --batch 20 --no-steps

Flags: `--rounds N` (default 5), `--batch N` (URLs in the batch command, default 20; 0 skips
it), `--no-steps` (skip the step-by-step table), `--http` (plain HTTP instead of HTTPS),
`--against DIR` (the source tree of another commit, e.g. `git archive REV | tar -x -C DIR`:
each round also runs its `evidence capture URL` on a fresh and on an existing home of its own,
and its batch command, right after this tree's, so a change is measured beside its baseline
in the same run).

Each round runs, as separate processes and in this order:
  python -c pass                      the interpreter alone;
  plain browser, one page             Python + Playwright: launch the same Chromium, goto
                                      (networkidle), full-page screenshot, exit;
  evidence capture URL (fresh home)   the console script's code on a home that does not exist;
  evidence capture URL (existing)     the same on a home with earlier captures (whose cache/
                                      keeps what the browser shows natively: no probe browser);
  ... (existing, probe browser)       the same with an empty `native_cache_dir`: the probe
                                      browser a start without a kept answer launches;
  plain browser, batch                the batch's pages, one after another, in one process;
  evidence capture URL x N            N news pages in one command.
The pages and the local RFC 3161 TSA are the capture benchmark's (`benchmarks/harness.py`), so
every capture is timestamped and checkpointed as a configured archive does. The figure is
the median wall time, with the best (least disturbed) run and the CPU time (user + system of
the process and its children: Chromium, Playwright's driver) beside it, which a loaded machine
moves less. Goal (issue 19):
one cold capture of a news page under 2.5 s end to end.

`--steps` (on by default) then runs `benchmarks/coldsteps.py` in fresh interpreters: the
same cold path with each step timed, steps run one after another (see its docstring).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import (  # noqa: E402
    chromium_executable,
    load_average,
    local_tsa,
    median,
    news_site,
)

GOAL_COLD_S = 2.5
CLI = "import sys; from collector.cli.app import main; sys.argv[0] = 'evidence'; main()"
PLAIN_BROWSER = """
import json, sys
from playwright.sync_api import sync_playwright
executable, args, urls = sys.argv[1] or None, json.loads(sys.argv[2]), sys.argv[3:]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=executable, args=args)
    for url in urls:
        context = browser.new_context(viewport={"width": 1280, "height": 800},
                                      ignore_https_errors=True)
        page = context.new_page()
        page.goto(url, wait_until="networkidle")
        page.screenshot(full_page=True)
        context.close()
    browser.close()
"""


def run_timed(argv: list[str], env: dict[str, str], tree: Path = ROOT) -> tuple[float, float]:
    """Wall and CPU seconds of one command run in source `tree` (`python -c` puts the current
    folder first on its path); a failing command stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, timeout=600, cwd=tree)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv[3:6]} failed: {done.stderr.decode(errors='replace')[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    """Run the rounds and print the medians, then the steps."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--batch", type=int, default=20, help="URLs in the batch (default 20)")
    parser.add_argument("--no-steps", dest="steps", action="store_false", help="no step table")
    parser.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    parser.add_argument("--against", type=Path, help="another commit's source tree, beside")
    args = parser.parse_args()
    if args.rounds < 1 or args.batch < 0:
        parser.error("--rounds must be at least 1 and --batch at least 0")
    if args.against is not None and not (args.against / "collector" / "cli" / "app.py").is_file():
        parser.error(f"--against {args.against}: not a source tree of this project")
    from collector.capture import browser as browsers

    executable = chromium_executable() or ""
    with (
        news_site(https=not args.http) as site,
        local_tsa() as tsa_env,
        tempfile.TemporaryDirectory(prefix="endtoend-") as tmp,
    ):
        env = {**os.environ, "PYTHONPATH": str(ROOT), **site.capture_env(), **tsa_env}
        flags = json.dumps([*browsers.launch_args(), *site.chromium_args()])
        existing = Path(tmp) / "existing"
        evidence = [sys.executable, "-c", CLI]
        run_timed([*evidence, "--home", str(existing), "capture", *site.news(2, 900)], env)
        against = args.against.resolve() if args.against else ROOT
        against_env = {**env, "PYTHONPATH": str(against)}
        against_home = Path(tmp) / "against-existing"
        if args.against:
            run_timed(
                [*evidence, "--home", str(against_home), "capture", *site.news(2, 900)],
                against_env,
                against,
            )
        times: dict[str, list[tuple[float, float]]] = {}

        def record(name: str, argv: list[str], tree: Path = ROOT) -> None:
            times.setdefault(name, []).append(
                run_timed(argv, against_env if tree != ROOT else env, tree)
            )

        for round_no in range(args.rounds):
            url = f"{site.origin}/news/{round_no}.html?r={round_no}"
            batch = [f"{u}?r={round_no}" for u in site.news(args.batch, 100)]
            fresh = Path(tmp) / f"fresh-{round_no}"
            record("python -c pass", [sys.executable, "-c", "pass"])
            record("plain browser, one page", [sys.executable, "-c", PLAIN_BROWSER,
                                               executable, flags, url])  # fmt: skip
            record("evidence capture URL (fresh home)",
                   [*evidence, "--home", str(fresh), "capture", url])  # fmt: skip
            if args.against:
                record("  against: fresh home",
                       [*evidence, "--home", str(Path(tmp) / f"against-{round_no}"), "capture",
                        f"{url}&against"], against)  # fmt: skip
            record("evidence capture URL (existing)",
                   [*evidence, "--home", str(existing), "capture", f"{url}&again"])  # fmt: skip
            if args.against:
                record("  against: existing home",
                       [*evidence, "--home", str(against_home), "capture", f"{url}&again2"],
                       against)  # fmt: skip
            unkept = Path(tmp) / f"unkept-{round_no}"
            times.setdefault("  ... (existing, probe browser)", []).append(
                run_timed(
                    [*evidence, "--home", str(existing), "capture", f"{url}&probe"],
                    {**env, "EVIDENCE_NATIVE_CACHE_DIR": str(unkept)},
                )  # fmt: skip
            )
            if args.batch:
                plain = [sys.executable, "-c", PLAIN_BROWSER, executable, flags]
                record(f"plain browser, {args.batch} pages", [*plain, *batch])
                record(f"evidence capture {args.batch} URLs",
                       [*evidence, "--home", str(existing), "capture", *batch])  # fmt: skip
                if args.against:
                    record(f"  against: {args.batch} URLs",
                           [*evidence, "--home", str(against_home), "capture", *batch],
                           against)  # fmt: skip
            print(f"round {round_no + 1}/{args.rounds} done, load {load_average()}")
        print(f"\nmedian of {args.rounds} rounds, interleaved; {sys.executable}")
        print(f"{'command':<38}{'wall s':>8}{'best s':>8}{'cpu s':>8}{'per page s':>12}")
        for name, values in times.items():
            wall = median([w for w, _ in values])
            best = min(w for w, _ in values)
            cpu = median([c for _, c in values])
            per_page = f"{wall / args.batch:>12.3f}" if name.endswith(("pages", "URLs")) else ""
            print(f"{name:<38}{wall:>8.3f}{best:>8.3f}{cpu:>8.3f}{per_page}")
        cold = median([w for w, _ in times["evidence capture URL (fresh home)"]])
        verdict = "met" if cold < GOAL_COLD_S else "NOT met"
        print(f"goal: one cold capture under {GOAL_COLD_S} s end to end: {cold:.3f} s: {verdict}")
        if args.steps:
            steps(args.rounds, site.news(args.rounds, 500), Path(tmp), env)
    print(f"machine: {os.cpu_count()} CPUs, load average after the run {load_average()}")
    print("reproduce: .venv/bin/python benchmarks/endtoend.py " + " ".join(sys.argv[1:]))


def steps(rounds: int, urls: list[str], tmp: Path, env: dict[str, str]) -> None:
    """`coldsteps.py` in a fresh interpreter per round (a fresh home each); the medians."""
    runs: list[dict[str, float]] = []
    for index, url in enumerate(urls[:rounds]):
        argv = [sys.executable, str(ROOT / "benchmarks" / "coldsteps.py"),
                str(tmp / f"steps-{index}"), url]  # fmt: skip
        done = subprocess.run(argv, env=env, capture_output=True, timeout=600, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"coldsteps failed: {done.stderr.decode(errors='replace')[-2000:]}")
        runs.append(json.loads(done.stdout.decode().strip().splitlines()[-1]))
    print(f"\nsteps of one cold capture, one after another, median of {len(runs)} fresh processes")
    for name in runs[0]:
        print(f"{name:<52}{median([run.get(name, 0.0) for run in runs]):>8.3f}")


if __name__ == "__main__":
    main()
