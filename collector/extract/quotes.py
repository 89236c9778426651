"""Matching a quoted post text against a candidate post's text.

Both are normalised the same way: Unicode NFKC (emoji kept: NFKC leaves them alone), case
folded, trailing `t.co` / `pic.twitter.com` links dropped (an article pastes them, a post's
data may expand them or not), a trailing "…" or "..." marks the quote as truncated, and runs of
whitespace collapse to one space. The score is 1.0 when the (possibly truncated) quote is the
candidate's text or its start, else difflib's similarity ratio. Hand-written over difflib
because what needs normalising is specific to pasted posts.
"""

import difflib
import re
import unicodedata
from dataclasses import dataclass

MATCH_SCORE = 0.9
"""A candidate scoring at least this is a match."""
_TRAILING_LINKS = re.compile(
    r"(?:\s+(?:https?://)?(?:t\.co|pic\.(?:twitter|x)\.com)/\S*)+\s*$", re.IGNORECASE
)
_TRUNCATION = re.compile(r"\s*(?:…|\.\.\.)\s*$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Normalised:
    """A text ready to compare, and whether it was cut short."""

    text: str
    truncated: bool


def normalise(text: str) -> Normalised:
    """NFKC, case-folded, trailing links and truncation marks removed, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _SPACES.sub(" ", folded).strip()
    truncated = False
    while True:
        before = folded
        folded = _TRAILING_LINKS.sub("", folded).strip()
        if _TRUNCATION.search(folded):
            folded, truncated = _TRUNCATION.sub("", folded).strip(), True
        if folded == before:
            return Normalised(folded, truncated)


def quote_score(quoted: str, candidate: str) -> float:
    """How well `candidate` (a post's text) matches `quoted` (the article's), 0.0 to 1.0."""
    quote, post = normalise(quoted), normalise(candidate)
    if not quote.text or not post.text:
        return 0.0
    if quote.text == post.text or (quote.truncated and post.text.startswith(quote.text)):
        return 1.0
    if post.truncated and quote.text.startswith(post.text):
        return 1.0
    compared = post.text[: len(quote.text)] if quote.truncated else post.text
    return round(difflib.SequenceMatcher(None, quote.text, compared).ratio(), 4)
