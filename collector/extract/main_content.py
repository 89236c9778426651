"""Main-content detection: which element of a page holds the article.

A small readability-style rule (the deepest element holding most of the paragraph text) instead
of trafilatura: it has to run in about a millisecond for the benchmark goal (trafilatura takes
about 9 ms on a 100 KB page), and it only needs to tell the article body from navigation,
footers, sidebars and related lists.
"""

from selectolax.lexbor import LexborHTMLParser, LexborNode

from collector.extract.nodes import attr

BOILERPLATE_SELECTOR = ", ".join(
    [
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "menu",
        "[role=navigation]",
        "[role=banner]",
        "[role=contentinfo]",
        "[role=complementary]",
        *(
            f"[{attr}*={word} i]"
            for attr in ("class", "id")
            for word in (
                "share",
                "sharing",
                "related",
                "recirc",
                "recommend",
                "newsletter",
                "byline",
                "comment",
                "sidebar",
                "promo",
                "breadcrumb",
                "tags",
                "subscribe",
                "follow",
                "more-stories",
                "read-more",
                "widget",
            )
        ),
    ]
)
CHROME_SELECTOR = ", ".join(
    [
        "footer",
        "nav",
        "aside",
        "a",
        *(
            f"[{attr}*={word} i]"
            for attr in ("class", "id")
            for word in ("comment", "related", "footer", "widget")
        ),
    ]
)


def _paragraph_text(
    body: LexborNode, chrome: set[int]
) -> tuple[dict[int, int], dict[int, tuple[int, LexborNode]], int, int]:
    """Paragraph characters held by each element (paragraphs under `chrome` not counted),
    the total counted and the total of all paragraphs."""
    held: dict[int, int] = {}
    nodes: dict[int, tuple[int, LexborNode]] = {}
    total = everything = 0
    for p in body.css("p"):
        n = len((p.text() or "").strip())
        if n < 25:
            continue
        everything += n
        path = []
        node = p.parent
        while node is not None:
            path.append(node)
            node = node.parent
        if chrome and any(node.mem_id in chrome for node in path):
            continue
        total += n
        for i, node in enumerate(path):
            mem = node.mem_id
            held[mem] = held.get(mem, 0) + n
            nodes.setdefault(mem, (len(path) - i, node))
    return held, nodes, total, everything


def main_content(tree: LexborHTMLParser) -> tuple[LexborNode, dict[int, int]]:
    """The element holding the article, and the paragraph text (chars) under each element.

    The root is the deepest element that holds half of the paragraph text outside footers,
    navigation, asides, widgets, link cards and comments (or three quarters, when that is its
    parent), promoted to an enclosing `article`, `main` or `itemprop=articleBody` a few levels up.
    """
    body = tree.body or tree.root
    chrome = {n.mem_id for n in body.css(CHROME_SELECTOR)}
    held, nodes, total, everything = _paragraph_text(body, chrome)
    if total * 3 < everything:  # the chrome rules swallowed the article: ignore them
        held, nodes, total, _ = _paragraph_text(body, set())
    if not total:
        return body, held

    def deepest(share: float) -> tuple[int, LexborNode]:
        held_enough = (nodes[mem] for mem, n in held.items() if n >= share * total)
        return max(held_enough, key=lambda item: item[0])

    depth, best = deepest(0.5)
    outer_depth, outer = deepest(0.75)
    if depth - outer_depth <= 1:  # siblings of the article block (footnotes, parts) join it
        best = outer
    node = best
    for _ in range(4):
        node = node.parent
        if node is None or node.tag in ("body", "html"):
            break
        if node.tag in ("article", "main") or attr(node, "itemprop") == "articleBody":
            return node, held
    return best, held


def article_links(root: LexborNode, held: dict[int, int]) -> set[int]:
    """The anchors (mem ids) of the article at `root`: blocks inside it whose class or id says
    share, related, comments, … are left out unless they hold a fifth of its text."""
    article_chars = held.get(root.mem_id, 0)
    links = {a.mem_id for a in root.css("a[href]")}
    for block in root.css(BOILERPLATE_SELECTOR):
        if block.mem_id != root.mem_id and held.get(block.mem_id, 0) * 5 < article_chars:
            links.difference_update(a.mem_id for a in block.css("a[href]"))
    return links
