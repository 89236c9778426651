"""Session capture benchmark: what capturing logged in costs per page, against logged out.

Reproduce from the repository root:

    .venv/bin/python benchmarks/session.py            # --rounds N (default 7)

The test world (`python -m tests.world`, its own process) serves the login site
`members.example.test` (tests/world/loginsite.py). The benchmark signs in through its form
over the product's guarded client, then captures `/members` with the product's engine
(`CaptureEngine.capture`) and stores every artifact in a fresh archive home
(`store.store_blobs`), in three modes, interleaved round by round:

- logged out: no session (the members page answers with its login wall, as a person sees it);
- logged in: the session, the original WARC sealed to the archive key (what `capture` does);
- logged in, not sealed: the session without a sealing key (the scrub's cost alone).

The logged-out members page is a different page (its login wall), so a second part measures
the session's own cost on the same pages: the generated news site (`tests/world/news.py`, its
own process: a ~100 KB article and the ~2 MB 40-image heavy page) captured without a session
and with one whose cookies the site ignores, so both captures see the same bytes and the
difference is the scrub of every record, the second (scrubbed) WARC and the sealed original.

Printed per mode, median of the rounds: capture seconds (browser, recorder, assembly, and
for a session the scrubbed WARC and the sealed original), store seconds (blobs written,
hashed, fsynced), the WARC's bytes, the sealed original's bytes and all the artifacts' bytes;
then, over the heavy page's WARC, what each extra pass over a WARC costs (`warc_passes`).
"""

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import news_site, world_process, world_settings  # noqa: E402

MODES = ("logged out", "logged in", "logged in, not sealed")


@dataclass
class Figures:
    """One mode's measurements, one value per round."""

    capture_s: list[float] = field(default_factory=list)
    store_s: list[float] = field(default_factory=list)
    warc_bytes: list[int] = field(default_factory=list)
    sealed_bytes: list[int] = field(default_factory=list)
    total_bytes: list[int] = field(default_factory=list)
    last_warc: bytes = b""
    """The last WARC captured logged out (for `warc_passes`)."""


def log_in(settings: Any) -> dict[str, Any]:
    """Sign in through the login site's form; its cookies as a Playwright storage state."""
    import asyncio

    from collector.capture.client import make_client
    from tests.world import loginsite

    async def post() -> Any:
        async with make_client(settings) as client:
            form = {"username": loginsite.USERNAME, "password": loginsite.PASSWORD}
            return await client.post(
                f"https://{loginsite.HOST}/login", data=form, follow_redirects=False
            )

    response = asyncio.run(post())
    base = {"domain": loginsite.HOST, "path": "/", "expires": -1, "secure": True}
    cookies = [
        {"name": c.name, "value": c.value, "httpOnly": c.name == "sid", "sameSite": "Lax", **base}
        for c in response.cookies.jar
    ]
    if {c["name"] for c in cookies} != {"sid", "csrftoken"}:
        raise SystemExit(f"sign-in failed: HTTP {response.status_code}")
    return {"cookies": cookies, "origins": []}


def _sessions(state: dict[str, Any], seal_to: bytes) -> dict[str, Any]:
    from collector.capture.session import session_from_state

    return {
        "logged out": None,
        "logged in": session_from_state("bench", state, "@bench", seal_to),
        "logged in, not sealed": session_from_state("bench", state, "@bench"),
    }


def _rounds(settings: Any, urls: list[str], state: dict[str, Any], rounds: int) -> dict:
    """Capture and store each of `urls` `rounds` times in each mode, interleaved."""
    from archive.archive import Archive
    from archive.provenance.sealing import SEALED_ROLE, seal_public_key
    from collector.capture.store import store_blobs
    from tests.capture.conftest import EngineRunner

    figures = {(url, mode): Figures() for url in urls for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="bench-session-") as tmp:
        archive = Archive.open(Path(tmp) / "home")
        sessions = _sessions(state, seal_public_key(archive.home))
        runner = EngineRunner(settings)
        try:
            for url in urls:  # warm-up: browser, fonts, first TLS handshakes
                for mode in MODES:
                    runner.call(runner.engine.capture(url, session=sessions[mode]))
            for _ in range(rounds):
                for (url, mode), got in figures.items():
                    start = time.perf_counter()
                    result = runner.call(runner.engine.capture(url, session=sessions[mode]))
                    got.capture_s.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    stored = store_blobs(archive, result)
                    got.store_s.append(time.perf_counter() - start)
                    sizes = {a.role: a.size for a in stored}
                    warcs = [a for a in result.artifacts if a.role == "warc"]
                    if warcs and mode == "logged out":
                        with warcs[0].open() as content:
                            got.last_warc = content.read()
                    got.warc_bytes.append(sizes.get("warc", 0))
                    got.sealed_bytes.append(sizes.get(SEALED_ROLE, 0))
                    got.total_bytes.append(sum(a.size for a in stored))
        finally:
            runner.close()
            archive.close()
    return figures


def measure(rounds: int) -> dict[tuple[str, str], Figures]:
    """The members page of the login site, then two news pages, in each mode."""
    from collector.capture.settings import CaptureSettings
    from tests.world import loginsite

    with world_process() as world:
        settings = world_settings(world)
        members = f"https://{loginsite.HOST}/members"
        figures = _rounds(settings, [members], log_in(settings), rounds)
    with news_site() as site:
        settings = CaptureSettings.from_sources({}, env=site.capture_env(), concurrency=1)
        host = site.origin.split("://", 1)[1].split(":")[0]
        base = {"domain": host, "path": "/", "expires": -1, "secure": True, "sameSite": "Lax"}
        ignored = {  # a session the news site does not read: the same page either way
            "cookies": [
                {"name": "sid", "value": "bench-sid-0123456789abcdef", "httpOnly": True, **base},
                {"name": "csrftoken", "value": "bench-csrf-ABCDEFGHIJ", "httpOnly": False, **base},
            ],
            "origins": [],
        }
        figures |= _rounds(settings, [*site.news(1), site.heavy], ignored, rounds)
    return figures


def warc_passes(warc: bytes, rounds: int) -> dict[str, float]:
    """Milliseconds (best of `rounds`) of what writing one WARC of a session capture costs
    beyond the logged-out one, part by part, over the bytes of a real WARC: compressing its
    records (gzip level 9, as warcio writes them), sealing it, and the plaintext temporary
    file the seal used to be fed from (written and read back, as `spooled_artifact` does)."""
    import gzip
    import io

    from archive.provenance.sealing import seal, seal_public_key

    raw = gzip.decompress(warc)
    with tempfile.TemporaryDirectory(prefix="bench-seal-") as tmp:
        recipient = seal_public_key(Path(tmp))

        def spool() -> None:
            path = Path(tmp) / "plain.warc.gz"
            with open(path, "wb") as out:
                out.write(warc)
            path.read_bytes()
            path.unlink()

        parts = {
            "gzip -9 of the records": lambda: gzip.compress(raw, 9),
            "seal": lambda: seal(io.BytesIO(warc), recipient, io.BytesIO()),
            "plaintext temporary file": spool,
        }
        timings = {}
        for name, run in parts.items():
            best = float("inf")
            for _ in range(rounds):
                start = time.perf_counter()
                run()
                best = min(best, time.perf_counter() - start)
            timings[name] = best * 1000
    return timings


def _page(url: str) -> str:
    """Host and path of `url`, without the port the site happened to get."""
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}"[:32]


def _median(values: list[float] | list[int]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    figures = measure(args.rounds)
    print(f"session capture cost, median of {args.rounds} rounds (capture and store, seconds)")
    print(f"{'page':32} {'mode':22} {'capture s':>9} {'store s':>7} {'warc B':>10} "
          f"{'sealed B':>10} {'all B':>10}")  # fmt: skip
    for (url, mode), got in figures.items():
        page = _page(url)
        print(
            f"{page:32} {mode:22} {_median(got.capture_s):>9.3f} {_median(got.store_s):>7.3f} "
            f"{_median(got.warc_bytes):>10,.0f} {_median(got.sealed_bytes):>10,.0f} "
            f"{_median(got.total_bytes):>10,.0f}"
        )
    for url in dict.fromkeys(url for url, _ in figures):
        out = figures[(url, "logged out")]
        for mode in MODES[1:]:
            got = figures[(url, mode)]
            extra = _median(got.capture_s) - _median(out.capture_s)
            more = _median(got.total_bytes) - _median(out.total_bytes)
            print(f"{_page(url)}: {mode}: {extra * 1000:+.0f} ms capture, "
                  f"{more:+,.0f} bytes stored per page against logged out")  # fmt: skip
    heavy = next(got.last_warc for (url, _), got in figures.items() if url.endswith("heavy.html"))
    print(f"one WARC of the heavy page ({len(heavy):,} bytes), best of {args.rounds}:")
    for name, ms in warc_passes(heavy, args.rounds).items():
        print(f"  {name:28} {ms:8.1f} ms")
    print(f"reproduce: .venv/bin/python benchmarks/session.py --rounds {args.rounds}")


if __name__ == "__main__":
    main()
