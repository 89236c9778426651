"""`make demo`: the whole job offline, on the bundled sample article.

It starts the offline test world (recorded real responses under their real hostnames, plus the
sample article written for the project, see tests/world/sites.py) and a local RFC 3161
timestamping authority built with `openssl ts`, points the collector at them through its
ordinary settings (host mapping, extra CA, TSA URL), then runs, as a user would:

  evidence collect <article URL>      the whole job
  evidence collect <article URL>      again: fast, adds nothing, redoes only what was incomplete
  evidence verify                     every hash, signature, timestamp and the custody log
  evidence export <source> --format report

then prints, for every capture, its status and page verdict (what the page showed: the page,
a blank screenshot, a bot challenge, a login wall), and fails when a capture claims to be
complete while its page verdict says otherwise, or when a cited page's newest capture is not
complete (only the pasted signature, which has no URL, stays unresolved). The world's x.com
pages are drawn by its stand-in for X's web client from recorded answers (tests/world/sites.py).
It ends by printing where to look. The archive is kept in .demo/archive for `evidence serve`.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.provenance.tsa import build_pki, start_tsa  # noqa: E402
from tests.world.server import World  # noqa: E402

DEMO = ROOT / ".demo"
HOME = DEMO / "archive"
ARTICLE = "https://www.example.test/news/volunteers.html"
EVIDENCE = str(Path(sys.executable).with_name("evidence"))


def run(args: list[str], env: dict[str, str], capture: bool = False) -> subprocess.CompletedProcess:
    """Run `evidence ARGS` against the demo home, echoing the command first."""
    print(f"\n$ evidence {' '.join(args)}", flush=True)
    started = time.monotonic()
    done = subprocess.run(
        [EVIDENCE, "--home", str(HOME), *args],
        env=env,
        check=False,
        text=True,
        capture_output=capture,
    )
    print(f"  (exit {done.returncode}, {time.monotonic() - started:.1f} s)", flush=True)
    return done


def main() -> int:
    """Run the demo; non-zero when a step does not do what the demo expects."""
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="evidence-demo-") as tmp:
        world = World(ca_dir=Path(tmp) / "world").start()
        pki = Path(tmp) / "tsa"
        pki.mkdir()
        build_pki(pki)
        tsa = start_tsa(pki)
        env = {
            **os.environ,
            "EVIDENCE_HOST_RESOLVER_RULES": world.resolver_rules,
            "EVIDENCE_EXTRA_CA_FILE": str(world.ca_file),
            "EVIDENCE_ALLOW_PRIVATE": "1",
            "EVIDENCE_TSA_URLS": f"{tsa.url}/tsa",
            "EVIDENCE_TSA_CA_BUNDLE": str(tsa.bundle),
            "EVIDENCE_INVESTIGATOR": "Demo Investigator",
            # offline: no independent archive to ask (docs/witnesses.md)
            "EVIDENCE_WAYBACK_URL": "",
            "EVIDENCE_TIMEMAP_URL": "",
            "EVIDENCE_ARCHIVE_TODAY_URL": "",
        }
        try:
            print("Offline world up: recorded X/Twitter, Telegram and oEmbed answers and the")
            print(f"sample article at {ARTICLE} (served on 127.0.0.1, mapped by hostname).")
            print(f"Local timestamping authority: {tsa.url}/tsa (openssl ts).")
            first = run(["collect", ARTICLE, "--case", "demo"], env)
            second = run(["collect", ARTICLE, "--case", "demo"], env)
            verified = run(["verify", "--tsa-ca-bundle", str(tsa.bundle)], env)
            truthful = _page_verdicts(env)
            source_id = _latest_source(env)
            report = DEMO / "report.html"
            exported = (
                run(["export", source_id, "--format", "report", "-o", str(report)], env)
                if source_id
                else None
            )
        finally:
            tsa.server.shutdown()
            world.stop()
    print("\nWhere to look:")
    print(f"  archive home      {HOME}  (evidence.db, blobs/, keys/)")
    print(f"  browse it         {EVIDENCE} --home {HOME} serve")
    if exported is not None and exported.returncode == 0:
        print(f"  evidence report   {report}")
    print(f"  real-world use    {EVIDENCE} collect https://example.org/some-article")
    print(
        "\nOffline, the four X posts end `complete`: their x.com pages are drawn by the offline\n"
        "world's stand-in for X's web client (tests/world/site/x-client-standin.js, NOT X's\n"
        "code) from recorded answers, the page's recorded metadata or the post's recorded oEmbed\n"
        "answer, because X's own scripts are not available offline; the drawn page says so in\n"
        "its footer. Against real X, X's scripts draw them. (The oEmbed-only posts reach their\n"
        "page through x.com's recorded migrate interstitial and twitter.com's migrate hop.) The\n"
        "Telegram post page is complete, but its embed widget was never recorded, so the frame\n"
        "that would show the post says so. The pasted signature stays `unresolved`: it has no\n"
        "URL and its pic.twitter.com link cannot be followed offline."
    )
    steps_ok = first.returncode in (0, 1) and second.returncode in (0, 1)
    return 0 if steps_ok and verified.returncode == 0 and truthful else 1


def _page_verdicts(env: dict[str, str]) -> bool:
    """Print every capture's status and page verdict; False when one claims `complete` while
    its verdict is not `page` (the demo would then be showing a blank page or a wall as done),
    or when the newest capture of a URL is not `complete` (the offline world records every
    page the demo article cites; only the pasted signature, which has no capture, is left)."""
    done = run(["list", "captures", "--json", "--limit", "1000"], env, capture=True)
    if done.returncode != 0:
        return False
    print("\nWhat each capture showed (newest first):")
    truthful = True
    newest: dict[str, str] = {}
    for row in json.loads(done.stdout):
        verdict = (row.get("details") or {}).get("page_verdict") or {}
        shown = verdict.get("verdict", "-")
        url = row.get("requested_url") or ""
        print(f"  {row['status']:<9} {shown:<14} {url}")
        newest.setdefault(url, row["status"])
        if row["status"] == "complete" and shown != "page":
            print(f"    ^ claims complete while its page verdict is {shown}")
            truthful = False
    unfinished = sorted(url for url, status in newest.items() if status != "complete")
    for url in unfinished:
        print(f"  not complete: {url}")
    return truthful and not unfinished


def _latest_source(env: dict[str, str]) -> str | None:
    done = run(["list", "sources", "--json", "--limit", "1"], env, capture=True)
    if done.returncode != 0:
        return None
    rows = json.loads(done.stdout)
    return rows[0]["id"] if rows else None


if __name__ == "__main__":
    sys.exit(main())
