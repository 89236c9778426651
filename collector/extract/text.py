"""Citations in plain text: URLs (twitter-text rules) and pasted post signatures.

URLs come from `twitter-text-parser` (the Python port of twitter-text; it passes the official
conformance suite). @mentions follow twitter-text's mention rule, written out here because
that package has no mention extractor. Signatures are the line an embed leaves when pasted as
text: `— Name (@handle) Month D, YYYY`, with the post's text on the line(s) above it.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass

from archive.vocabulary import CitationKind
from collector.extract.dates import parse_signature_date
from collector.extract.merge import CitationSet
from collector.extract.model import Citation
from collector.sites import twitter
from collector.sites.classify import classify_url
from collector.sites.model import NOT_CITATIONS

MAX_TEXT_CHARS = 2_000_000
MAX_POST_LINES = 8
MAX_WORD = 256
_WORD = re.compile(r"\S{20,}")
_LONG_URL = re.compile(r"https?://[^\s<>\"']+?(?=[.,;:!?)\]'\"]*$)", re.IGNORECASE)
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
    "\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_MENTION = re.compile(
    r"(?:^|[^a-zA-Z0-9_!#$%&*@＠]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)"
    r"[@＠]([a-zA-Z0-9_]{1,20})(/[a-zA-Z][a-zA-Z0-9_-]{0,24})?"
)
_MENTION_END = re.compile(rf"^(?:[@＠]|[{_LATIN_ACCENTS}]|://)")
SIGNATURE = re.compile(
    r"^[ \t]*(?:—|–|―|&mdash;|&#8212;|--|-)[ \t]*"
    r"(?P<name>[^\n]{0,80}?)[ \t]*\(@(?P<handle>[A-Za-z0-9_]{1,15})\)[ \t]*"
    r"(?P<date>[^\n]{0,60}?)[ \t]*$",
    re.MULTILINE,
)
_SENTENCE_END = re.compile(r"[.!?。！？](?=\s)|\n")
CONTEXT_SPAN = 200


@dataclass
class Signature:
    """A pasted post: its text span and what the signature line states."""

    start: int  # where the post text begins
    end: int  # where the signature line ends
    name: str | None
    handle: str
    posted_at: str | None
    text: str
    line: str


def extract_urls(text: str) -> list[tuple[str, int, int]]:
    """(url, start, end) of every URL in `text`, by the twitter-text rules."""
    from twitter_text import extract_urls_with_indices  # compiles large regexes on import

    return [(u["url"], *u["indices"]) for u in extract_urls_with_indices(text)]


def extract_mentions(text: str) -> list[str]:
    """@screen_names in `text`, by the twitter-text rules (lists excluded)."""
    found = []
    for m in _MENTION.finditer(text):
        if m.group(2) or _MENTION_END.match(text[m.end() :]):
            continue
        found.append(m.group(1))
    return found


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of `text` that holds [start, end), clipped to a readable length."""
    lo = max(0, start - CONTEXT_SPAN)
    hi = min(len(text), end + CONTEXT_SPAN)
    before = [m.end() for m in _SENTENCE_END.finditer(text, lo, start)]
    after = _SENTENCE_END.search(text, end, hi)
    left = before[-1] if before else lo
    right = after.end() if after else hi
    return " ".join(text[left:right].split())


def _paragraph_style(lines: list[str]) -> bool:
    blank = sum(1 for line in lines if not line.strip())
    return blank * 3 >= len(lines) - blank


def find_signatures(text: str) -> list[Signature]:
    """Every `— Name (@handle) date` line in `text` with the post text above it."""
    if "(@" not in text:
        return []
    found: list[Signature] = []
    lines = text.split("\n")
    blocks = _paragraph_style(lines)
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    previous_end = 0
    for m in SIGNATURE.finditer(text):
        date_text = m.group("date").strip()
        posted_at = parse_signature_date(date_text)
        name = m.group("name").strip() or None
        if posted_at is None and (date_text or not name):
            continue
        line_no = bisect_right(offsets, m.start()) - 1
        first = line_no
        while first > 0 and offsets[first - 1] >= previous_end:
            above = lines[first - 1]
            if not above.strip() or SIGNATURE.match(above):
                break
            first -= 1
            if not blocks or line_no - first >= MAX_POST_LINES:
                break
        start = offsets[first] if first < line_no else m.start()
        post_text = "\n".join(line.strip() for line in lines[first:line_no]).strip()
        found.append(
            Signature(
                start, m.end(), name, m.group("handle"), posted_at, post_text, m.group(0).strip()
            )
        )
        previous_end = m.end()
    return found


_URL_HINT = re.compile(r"://|www\.|\w\.[^\W\d_]{2,}[^\s/]{0,60}/", re.IGNORECASE)


def _urls_in_candidate_lines(text: str) -> list[tuple[str, int, int]]:
    """`extract_urls` run only on the lines that can hold a URL with a scheme or a path
    (the same results on long articles, in a fraction of the time)."""
    found: list[tuple[str, int, int]] = []
    done_until = -1
    for hint in _URL_HINT.finditer(text):
        if hint.start() < done_until:
            continue
        start = text.rfind("\n", 0, hint.start()) + 1
        end = text.find("\n", hint.end())
        end = len(text) if end < 0 else end
        line, long_urls = _defuse(text[start:end])
        found.extend((url, start + a, start + b) for url, a, b in extract_urls(line))
        found.extend((url, start + a, start + b) for url, a, b in long_urls)
        done_until = end
    found.sort(key=lambda item: item[1])
    return found


def _defuse(line: str) -> tuple[str, list[tuple[str, int, int]]]:
    """`line` with words that cannot be URLs blanked out (same length, so indices hold), and
    the long http(s) URLs among the blanked words.

    twitter-text's domain pattern takes polynomial time on long dotted words
    (`www.www.www...`, `a-b.a-b....`), so words whose host part is over 100 characters or has
    more than 8 dots never reach it, and words over MAX_WORD characters are matched with a
    plain `https?://` pattern instead.
    """
    pieces = []
    long_urls = []
    last = 0
    for m in _WORD.finditer(line):
        word = m.group(0)
        host = word.split("://", 1)[-1].split("/", 1)[0]
        if len(host) <= 100 and host.count(".") <= 8 and len(word) <= MAX_WORD:
            continue
        url = _LONG_URL.match(word) if len(host) <= 100 and host.count(".") <= 8 else None
        if url:
            long_urls.append((url.group(0), m.start(), m.start() + len(url.group(0))))
        pieces.append(line[last : m.start()])
        pieces.append(" " * len(word))
        last = m.end()
    if not pieces:
        return line, []
    pieces.append(line[last:])
    return "".join(pieces), long_urls


def _has_path(url: str) -> bool:
    rest = url.split("://", 1)[-1]
    return "/" in rest.rstrip("/")


def extract_text(text: str, citations: CitationSet) -> None:
    """Add the signatures and URLs of plain `text` to `citations`."""
    text = text[:MAX_TEXT_CHARS]
    signatures = find_signatures(text)
    spans: list[tuple[int, int, Citation]] = []
    for sig in signatures:
        citation = Citation(
            kind=CitationKind.POST,
            platform=twitter.NAME,
            url=None,
            author_handle=sig.handle,
            author_name=sig.name,
            posted_at=sig.posted_at,
            text=sig.text or None,
        )
        added = citations.add(citation, sig.line, sig.text or sig.line, "signature")
        spans.append((sig.start, sig.end, added))
    starts = [span[0] for span in spans]
    for url, start, end in _urls_in_candidate_lines(text):
        if "://" not in url and not _has_path(url):
            continue  # a bare domain name in prose is a name, not a citation
        info = classify_url(url)  # written-out URLs are never relative to the page
        if info is None or info.kind in NOT_CITATIONS:
            continue
        i = bisect_right(starts, start) - 1  # spans are in text order and do not overlap
        if i >= 0 and start < spans[i][1]:
            citations.attach(spans[i][2], info, url)
        else:
            citations.add_url(info, url, sentence_around(text, start, end), "text")
