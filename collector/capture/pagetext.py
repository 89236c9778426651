"""What a rendered page says: its title and visible text, normalised for matching wording."""

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

MAX_DOM_CHARS = 1_048_576
"""Only the start of a larger DOM is read: walls and interstitials are small pages."""
_INVISIBLE = ("script", "style", "noscript", "template", "svg")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2026": "..."})


@dataclass(frozen=True)
class PageText:
    """The title as shown and the visible text, case-folded with whitespace collapsed."""

    title: str
    text: str
    selectors: frozenset[str] = frozenset()
    """Those of the asked-for CSS selectors that match an element of the DOM."""


def normalise(text: str) -> str:
    """Case-folded, typographic apostrophes and ellipses made plain, whitespace collapsed."""
    return re.sub(r"\s+", " ", text.translate(_APOSTROPHES)).strip().casefold()


def read_page(dom: str, title: str | None, selectors: frozenset[str] = frozenset()) -> PageText:
    """The page's title and visible text, and which of `selectors` are present."""
    tree = LexborHTMLParser(dom[:MAX_DOM_CHARS])
    present = frozenset(s for s in selectors if tree.css_first(s) is not None)
    if title is None:
        node = tree.css_first("title")
        title = node.text() if node is not None else ""
    for tag in _INVISIBLE:
        for node in tree.css(tag):
            node.decompose()
    body = tree.body
    text = body.text(separator=" ") if body is not None else ""
    return PageText(re.sub(r"\s+", " ", title).strip(), normalise(text), present)
