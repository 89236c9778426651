"""The nesting guard: unwrap elements nested deeper than any real article before parsing.

lexbor takes quadratic time on very deep trees; counting and unwrapping is done on the markup
with regexes (the count at C speed), so the parser only ever sees a bounded depth.
"""

import re
from itertools import accumulate

MAX_DEPTH = 512
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]{0,40})[^<>]{0,2000}?(/?)>")
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_EMBED_TAGS = frozenset(
    [
        "blockquote",
        "p",
        "a",
        "iframe",
        "q",
        "figure",
        "script",
        "amp-twitter",
        "amp-youtube",
        "amp-instagram",
    ]
)
_CONTAINER_TAG = re.compile(
    r"<(/?)(?:div|section|blockquote|span|ul|ol|table|article|font|main|aside|nav|header"
    r"|footer|figure|center)\b",
    re.IGNORECASE,
)
_STEP = {"": 1, "/": -1}


def too_deep(text: str) -> bool:
    """True when container elements nest deeper than MAX_DEPTH (counted at C speed)."""
    marks = _CONTAINER_TAG.findall(text)
    if len(marks) <= MAX_DEPTH:
        return False
    return max(accumulate(map(_STEP.__getitem__, marks))) > MAX_DEPTH


def limit_nesting(text: str) -> str:
    """`text` with elements nested deeper than MAX_DEPTH unwrapped (their content kept; the
    tags an embed is made of get a little more room).

    The HTML parser takes quadratic time on very deep trees; no real article nests this deep.
    """
    pieces: list[str] = []
    depth = 0
    dropped: dict[str, int] = {}
    last = 0
    for m in _TAG.finditer(text):
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3)
        drop = False
        if closing:
            if dropped.get(name):
                dropped[name] -= 1
                drop = True
            else:
                depth = max(0, depth - 1)
        elif name not in _VOID and not self_closing:
            keep = depth < MAX_DEPTH or (name in _EMBED_TAGS and depth < MAX_DEPTH + 64)
            if keep:
                depth += 1
            else:
                dropped[name] = dropped.get(name, 0) + 1
                drop = True
        if drop:
            pieces.append(text[last : m.start()])
            last = m.end()
    pieces.append(text[last:])
    return "".join(pieces)
