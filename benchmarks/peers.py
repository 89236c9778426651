"""Peer benchmark (optional): Harvard LIL's Scoop beside `evidence capture` on the same pages.

Reproduce from the repository root:

    .venv/bin/python benchmarks/peers.py --install https://github.com/harvard-lil/scoop
    .venv/bin/python benchmarks/peers.py                      # 3 rounds of 20 pages
    .venv/bin/python benchmarks/peers.py --rounds 5 --pages 20

Flags: `--rounds N` (default 3), `--pages N` (default 20), `--install SOURCE` (clone Scoop
from SOURCE, a git URL or a local clone, into `benchmarks/.peers/scoop` and `npm install` it
without its browser download and post-install downloads; git ignored, never a test
dependency), `--scoop DIR` (use a Scoop checkout elsewhere). Without Scoop installed it says so
and exits with status 0, measuring nothing.

Scoop runs as its README shows: its API in a loop (`Scoop.capture(url, options)` then
`toWACZ()`, `benchmarks/scoop_loop.mjs`) for the batch, and its CLI (`bin/cli.js URL -o
FILE.wacz`) for one cold capture, with its default options except: `blocklist` empty (its
default refuses 127.0.0.1, where the pages are), `ytDlpPath` and `cripPath` pointing at stubs
(shell scripts that answer `--version` and fail otherwise: no video, no certificates, at once,
where the real tools would need the internet), `publicIpResolverEndpoint` at the site's `/ip`,
and a free `proxyPort`. Its Playwright finds the same Chromium headless shell the product uses
through `PLAYWRIGHT_BROWSERS_PATH` (a folder of symbolic links in `benchmarks/.peers`).
The pages are the capture benchmark's news pages (`tests/world/news.py`) over plain HTTP,
from a server that accepts the absolute-form request targets Scoop's proxy forwards. Each
round runs, alternating the order: Scoop's loop over N pages and `evidence capture` of the
same N URLs (`--concurrency 1`, one page at a time like Scoop; with the local TSA, so it also
timestamps); then one cold capture each: Scoop's CLI and `evidence capture URL` on a fresh
home. Every figure is the median wall time of its process, printed beside the ratio.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import (  # noqa: E402
    Site,
    chromium_executable,
    load_average,
    local_tsa,
    median,
    news_site,
)

PEERS = ROOT / "benchmarks" / ".peers"
CLI = "import sys; from collector.cli.app import main; sys.argv[0] = 'evidence'; main()"
STUB = '#!/bin/sh\n[ "$1" = "--version" ] && echo "stub (benchmarks/peers.py)" && exit 0\nexit 1\n'


def install(source: str, target: Path) -> None:
    """Clone Scoop and install its Node dependencies (no browser, no post-install downloads)."""
    if target.exists():
        raise SystemExit(f"{target} exists; remove it to install again")
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--depth", "1", source, str(target)], check=True)
    env = {**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
    subprocess.run(
        ["npm", "install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=target,
        env=env,
        check=True,
    )
    print(f"Scoop installed in {target}")


def browsers_path(scoop: Path, executable: str) -> Path:
    """A PLAYWRIGHT_BROWSERS_PATH where Scoop's Playwright finds `executable` as its headless
    shell (the revision its playwright-core expects)."""
    listing = json.loads((scoop / "node_modules/playwright-core/browsers.json").read_text())
    revision = next(
        b["revision"] for b in listing["browsers"] if b["name"] == "chromium-headless-shell"
    )
    folder = PEERS / "browsers" / f"chromium_headless_shell-{revision}"
    for relative in (
        "chrome-linux/headless_shell",
        "chrome-headless-shell-linux64/chrome-headless-shell",
    ):
        link = folder / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(executable)
    return PEERS / "browsers"


def stubs() -> tuple[Path, Path]:
    """The yt-dlp and crip stubs."""
    folder = PEERS / "stubs"
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / "yt-dlp", folder / "crip")
    for path in paths:
        path.write_text(STUB)
        path.chmod(0o755)
    return paths


def free_port() -> int:
    """A port nothing listens on now (Scoop's proxy port must be given)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    """Wall seconds and standard output of one command; a failure stops the benchmark."""
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, timeout=900)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return wall, done.stdout.decode(errors="replace")


def scoop_options(site: Site) -> dict[str, object]:
    """Scoop's defaults except what a loopback benchmark must change."""
    yt_dlp, crip = stubs()
    return {
        "logLevel": "silent",
        "blocklist": [],
        "ytDlpPath": str(yt_dlp),
        "cripPath": str(crip),
        "publicIpResolverEndpoint": f"{site.origin}/ip",
        "proxyPort": free_port(),
    }


def run(args: argparse.Namespace, scoop: Path) -> None:
    """The interleaved rounds and the report."""
    executable = chromium_executable()
    if executable is None:
        raise SystemExit("no system Chromium headless shell to share with Scoop")
    node_env = {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(browsers_path(scoop, executable))}
    times: dict[str, list[float]] = {}
    states: list[str] = []
    with (
        news_site(https=False) as site,
        local_tsa() as tsa_env,
        tempfile.TemporaryDirectory(prefix="peers-") as tmp,
    ):
        env = {**os.environ, "PYTHONPATH": str(ROOT), **site.capture_env(), **tsa_env}
        home = Path(tmp) / "home"
        for round_no in range(args.rounds):
            urls = [f"{u}?r={round_no}" for u in site.news(args.pages, 200)]
            one = f"{site.origin}/news/{round_no}.html?cold={round_no}"
            out = Path(tmp) / f"scoop-{round_no}"
            out.mkdir()
            options = json.dumps(scoop_options(site))
            loop = ["node", str(ROOT / "benchmarks/scoop_loop.mjs"), str(scoop), options, str(out)]
            evidence = [sys.executable, "-c", CLI, "--home", str(home), "capture"]
            steps = {
                "scoop": ([*loop, *urls], node_env, scoop),
                "evidence": ([*evidence, "--concurrency", "1", *urls], env, ROOT),
            }
            order = ["scoop", "evidence"] if round_no % 2 == 0 else ["evidence", "scoop"]
            for name in order:
                wall, output = timed(*steps[name])
                times.setdefault(f"{name} batch", []).append(wall)
                if name == "scoop":
                    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
                    times.setdefault("scoop per capture", []).extend(r["seconds"] for r in lines)
                    states.extend(str(r["state"]) for r in lines)
            options = scoop_options(site)
            cli = ["node", "bin/cli.js", one, "-o", str(out / "cold.wacz"),
                   "--blocklist", "", "--yt-dlp-path", str(options["ytDlpPath"]),
                   "--crip-path", str(options["cripPath"]),
                   "--public-ip-resolver-endpoint", str(options["publicIpResolverEndpoint"]),
                   "--proxy-port", str(options["proxyPort"]), "--log-level", "silent"]  # fmt: skip
            fresh = Path(tmp) / f"fresh-{round_no}"
            cold = {
                "scoop": (cli, node_env, scoop),
                "evidence": (
                    [sys.executable, "-c", CLI, "--home", str(fresh), "capture", one],
                    env,
                    ROOT,
                ),  # fmt: skip
            }
            for name in order:
                times.setdefault(f"{name} cold", []).append(timed(*cold[name])[0])
            print(f"round {round_no + 1}/{args.rounds} done, load {load_average()}")
    report(args, times, states)


def report(args: argparse.Namespace, times: dict[str, list[float]], states: list[str]) -> None:
    """Medians and ratios."""
    pages = args.pages
    scoop_batch, ours_batch = median(times["scoop batch"]), median(times["evidence batch"])
    scoop_cold, ours_cold = median(times["scoop cold"]), median(times["evidence cold"])
    print(f"\n{pages} news pages (~100 KB) over HTTP, median of {args.rounds} interleaved rounds")
    print(f"{'':<44}{'Scoop':>9}{'evidence':>10}{'ratio':>8}")
    print(
        f"{'batch of ' + str(pages) + ', wall s':<44}{scoop_batch:>9.2f}{ours_batch:>10.2f}"
        f"{ours_batch / scoop_batch:>8.2f}"
    )
    scoop_rate, ours_rate = pages / scoop_batch * 60, pages / ours_batch * 60
    print(
        f"{'batch throughput, pages/min':<44}{scoop_rate:>9.1f}{ours_rate:>10.1f}"
        f"{ours_rate / scoop_rate:>8.2f}"
    )
    print(
        f"{'Scoop per capture in its loop, median s':<44}{median(times['scoop per capture']):>9.2f}"
    )
    print(
        f"{'one cold capture (CLI), wall s':<44}{scoop_cold:>9.2f}{ours_cold:>10.2f}"
        f"{ours_cold / scoop_cold:>8.2f}"
    )
    print(f"Scoop capture states: {sorted(set(states))} (3 = complete, 4 = partial)")
    print(f"machine: {os.cpu_count()} CPUs, load average after the run {load_average()}")
    print("reproduce: .venv/bin/python benchmarks/peers.py " + " ".join(sys.argv[1:]))


def main() -> None:
    """Install, or check Scoop is there and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--pages", type=int, default=20, help="pages per batch (default 20)")
    parser.add_argument("--install", metavar="SOURCE", help="clone and install Scoop from SOURCE")
    parser.add_argument("--scoop", type=Path, default=PEERS / "scoop", help="Scoop checkout")
    args = parser.parse_args()
    if args.install:
        install(args.install, args.scoop)
        return
    if args.rounds < 1 or args.pages < 1:
        parser.error("--rounds and --pages must be at least 1")
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing or not (args.scoop / "node_modules" / "playwright-core").is_dir():
        why = f"{', '.join(missing)} not found" if missing else f"nothing installed in {args.scoop}"
        print(
            f"Scoop is not installed ({why}): nothing measured. Install it with\n"
            "  .venv/bin/python benchmarks/peers.py --install https://github.com/harvard-lil/scoop"
        )
        return
    run(args, args.scoop)


if __name__ == "__main__":
    main()
