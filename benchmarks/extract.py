"""Extraction benchmark: pages/s and MB/s on the fixture pages, side by side with baselines.

Reproduce from the repository root:

    .venv/bin/python benchmarks/extract.py                  # add --seconds N per measurement
    .venv/bin/python benchmarks/extract.py --peer-python /tmp/peer-venv/bin/python

Pinned to one CPU core (sched_setaffinity) and single-threaded; rates are per CPU second of
this process (time.process_time), so other load on the machine does not skew them. Two workloads:
- "100 KB article": tests/fixtures/peer-suite-tweetfinder/time.html (110 KB, 11 embeds and
  5 linked posts), extracted over and over; the goal is at least 200 pages/s.
- "fixture corpus": every page in tests/fixtures/news-articles-embedding-tweets and
  tests/fixtures/peer-suite-tweetfinder (21 pages, 12 KB to 974 KB), repeated.
Engines, all timed on the same bytes in the same run:
- evidence: `collector.extract.extract(bytes)` (decoding, embeds, main content, links, text).
- naive-regex: decode UTF-8 and `re.findall` twitter.com/x.com status URLs over the whole page
  (a lower bound on cost; it also counts share links, footers and other articles).
- trafilatura: `trafilatura.extract(html, include_links=True)`, the main-content pass alone.
- tweetfinder (peer, optional): Tweet-Finder's `Article(html=...)` and its embedded tweets, run
  in the interpreter given by --peer-python (`pip install tweetfinder` in its own venv).
"Exact sets" counts the pages whose post-id set equals the hand-counted expectation in
tests/extract/test_fixture_pages.py.

Linearity: `generated_article(n)` is an article of n links in paragraphs of ten (a quarter
each X posts, web pages, relative links and Telegram posts, all distinct), and
`generated_post(n)` an embedded post holding n distinct links; each is extracted once per size
(default 10,000 and 100,000 links; --links to change). Time should grow with n: the goal is
100,000 links in under 5 s.
"""

import argparse
import gc
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector.extract import extract  # noqa: E402
from tests.extract.test_fixture_pages import NEWS_PAGES, PEER_PAGES  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
ARTICLE = FIXTURES / "peer-suite-tweetfinder" / "time.html"
GOAL_PAGES_PER_S = 200
GOAL_100K_LINKS_S = 5.0
_STATUS = re.compile(r"(?:twitter|x)\.com/(?:#!/)?\w+/status(?:es)?/(\d+)", re.IGNORECASE)

PEER_SCRIPT = r"""
import json, sys, time, logging
logging.disable(logging.CRITICAL)
from tweetfinder import Article
paths, seconds = json.loads(sys.argv[1]), float(sys.argv[2])
def ids(html):
    return sorted({str(t.get("tweet_id")) for t in Article(html=html).list_embedded_tweets()})
found = {p: ids(open(p, encoding="utf-8", errors="replace").read()) for p in paths}
def rate(batch):
    texts = [open(p, encoding="utf-8", errors="replace").read() for p in batch]
    n, size, start = 0, 0, time.process_time()
    while time.process_time() - start < seconds:
        for text in texts:
            Article(html=text); n += 1; size += len(text.encode())
    elapsed = time.process_time() - start
    return n / elapsed, size / elapsed / 2**20
print(json.dumps({"found": found, "article": rate([sys.argv[3]]), "corpus": rate(paths)}))
"""


def pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity)"


def corpus() -> list[Path]:
    pages = [FIXTURES / "news-articles-embedding-tweets" / n for n in sorted(NEWS_PAGES)]
    return pages + [FIXTURES / "peer-suite-tweetfinder" / n for n in sorted(PEER_PAGES)]


def rate(fn: Callable[[bytes], object], docs: list[bytes], seconds: float) -> tuple[float, float]:
    """(pages/s, MiB/s) of `fn` over `docs`, repeated for about `seconds`."""
    for doc in docs:  # warm caches and imports
        fn(doc)
    pages = size = 0
    start = time.process_time()
    while time.process_time() - start < seconds:
        for doc in docs:
            fn(doc)
            pages += 1
            size += len(doc)
    elapsed = time.process_time() - start
    return pages / elapsed, size / elapsed / 2**20


def evidence_ids(doc: bytes) -> set[str]:
    return {c.post_id for c in extract(doc).posts("twitter") if c.post_id}


def naive(doc: bytes) -> set[str]:
    return set(_STATUS.findall(doc.decode("utf-8", "replace")))


def trafilatura_pass(doc: bytes) -> set[str]:
    import trafilatura

    text = trafilatura.extract(doc.decode("utf-8", "replace"), include_links=True) or ""
    return set(_STATUS.findall(text))


def generated_article(links: int) -> bytes:
    """An article of `links` distinct links, ten to a paragraph (see the module docstring)."""
    parts = ["<html><head><title>Generated</title></head><body><article>"]
    for i in range(links):
        if i % 10 == 0:
            parts.append(f"<p>Paragraph {i} has enough words to count as the article's text. ")
        parts.append(
            (
                f'See <a href="https://twitter.com/user{i % 997}/status/{10**17 + i}">a post</a>, ',
                f'<a href="https://example.com/news/{i}">story {i}</a>; ',
                f'<a href="/relative/{i}">page {i}</a> and ',
                f'<a href="https://t.me/channel{i % 50}/{i}">message {i}</a>. ',
            )[i % 4]
        )
        if i % 10 == 9:
            parts.append("</p>")
    parts.append("</article></body></html>")
    return "".join(parts).encode("utf-8")


def generated_post(links: int) -> bytes:
    """An article embedding one X post that holds `links` distinct t.co links."""
    inner = " ".join(f'<a href="https://t.co/l{i}">t.co/l{i}</a>' for i in range(links))
    return (
        '<html><body><article><blockquote class="twitter-tweet"><p>'
        f"{inner}</p>&mdash; A (@a) "
        '<a href="https://twitter.com/a/status/1234567890123">May 1, 2020</a>'
        "</blockquote></article></body></html>"
    ).encode()


def linearity(sizes: list[int]) -> list[tuple[str, int, int, float]]:
    """(shape, links, citations and links found, CPU seconds) of one extraction each."""
    rows = []
    for shape, make in (("article", generated_article), ("one post", generated_post)):
        for n in sizes:
            doc = make(n)
            gc.collect()
            start = time.process_time()
            citations = extract(doc, base_url="https://news.example/generated").citations
            seconds = time.process_time() - start
            rows.append((shape, n, len(citations) + sum(len(c.links) for c in citations), seconds))
    return rows


def peer(python: str, paths: list[Path], seconds: float) -> dict | None:
    command = [python, "-c", PEER_SCRIPT, json.dumps([str(p) for p in paths]), str(seconds)]
    command.append(str(ARTICLE))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"tweetfinder: not run ({exc})", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--peer-python", help="a Python with `tweetfinder` installed")
    parser.add_argument(
        "--links",
        default="10000,100000",
        help="comma-separated link counts of the generated articles ('' to skip)",
    )
    args = parser.parse_args()
    pinned = pin_one_core()
    paths = corpus()
    docs = [p.read_bytes() for p in paths]
    article = [ARTICLE.read_bytes()]
    expected = {**NEWS_PAGES, **PEER_PAGES}
    engines: dict[str, Callable[[bytes], set[str]]] = {
        "evidence": evidence_ids,
        "naive-regex": naive,
        "trafilatura": trafilatura_pass,
    }
    rows = []
    for name, fn in engines.items():
        exact = sum(fn(doc) == expected[p.name] for p, doc in zip(paths, docs, strict=True))
        a_pages, a_mib = rate(fn, article, args.seconds)
        c_pages, c_mib = rate(fn, docs, args.seconds)
        rows.append((name, a_pages, a_mib, c_pages, c_mib, exact))
    if args.peer_python:
        result = peer(args.peer_python, paths, args.seconds)
        if result is not None:
            found = {Path(p).name: set(ids) for p, ids in result["found"].items()}
            exact = sum(found[p.name] == expected[p.name] for p in paths)
            rows.append(("tweetfinder", *result["article"], *result["corpus"], exact))
    total = sum(len(d) for d in docs) / 2**20
    print("Reproduce: .venv/bin/python benchmarks/extract.py " + " ".join(sys.argv[1:]))
    print(f"Python {sys.version.split()[0]}, {pinned}, {args.seconds:g} s per measurement")
    print(f"100 KB article: {ARTICLE.name} ({len(article[0]) / 1024:.0f} KiB)")
    print(f"fixture corpus: {len(docs)} pages, {total:.1f} MiB")
    header = f"{'engine':<12} {'article p/s':>12} {'MiB/s':>7} {'corpus p/s':>11} {'MiB/s':>7}"
    print(header + f" {'exact sets':>11}")
    for name, a_pages, a_mib, c_pages, c_mib, exact in rows:
        print(
            f"{name:<12} {a_pages:>12.0f} {a_mib:>7.1f} {c_pages:>11.0f} {c_mib:>7.1f}"
            f" {exact:>7}/{len(docs)}"
        )
    ours = rows[0][1]
    verdict = "met" if ours >= GOAL_PAGES_PER_S else "NOT met"
    print(f"goal: >= {GOAL_PAGES_PER_S} pages/s on the 100 KB article: {verdict} ({ours:.0f})")
    sizes = [int(n) for n in args.links.split(",") if n.strip()]
    if sizes:
        print(f"{'generated':<10} {'links':>8} {'found':>8} {'CPU s':>7} {'us/link':>8}")
        for shape, n, found, seconds in linearity(sizes):
            print(f"{shape:<10} {n:>8} {found:>8} {seconds:>7.2f} {seconds / n * 1e6:>8.1f}")
            if n == 100_000 and shape == "article":
                met = "met" if seconds < GOAL_100K_LINKS_S else "NOT met"
                print(f"goal: 100,000 links in < {GOAL_100K_LINKS_S:g} s: {met} ({seconds:.2f} s)")


if __name__ == "__main__":
    main()
