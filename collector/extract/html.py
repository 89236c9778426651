"""Citations in HTML: embeds anywhere in the page, links and pasted text in the main content.

Parsing is selectolax (lexbor); the article is found by `main_content`, and markup nested
deeper than any real article is unwrapped first by `nesting`.
"""

import html as htmllib
import re
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from archive.vocabulary import CitationKind
from collector.extract.main_content import article_links, main_content
from collector.extract.merge import CitationSet
from collector.extract.model import Citation
from collector.extract.nesting import MAX_DEPTH, limit_nesting, too_deep
from collector.extract.nodes import attr, node_text
from collector.extract.text import extract_text, parse_signature_date, sentence_around
from collector.sites import bluesky, twitter
from collector.sites.canonical import absolute_url
from collector.sites.classify import classify_url
from collector.sites.model import NOT_CITATIONS, UrlInfo
from collector.sites.registry import EMBED_ATTRIBUTES, EMBED_SELECTORS

_EMBED_SELECTORS = (
    "blockquote",
    "iframe",
    "amp-iframe",
    "[data-embed-id]",
    "[data-embedded-url]",
    "[data-href]",
    ".wp-block-embed__wrapper",
    *EMBED_SELECTORS,  # each site's own (collector.sites.<site>.PLATFORM.embed_selectors)
)
EMBED_SELECTOR = ", ".join(_EMBED_SELECTORS)
_BLOCKS = re.compile(
    r"<(?:/?(?:p|div|li|ul|ol|blockquote|h[1-6]|tr|table|section|article|figure|figcaption|pre"
    r"|dd|dt|dl|header|footer|aside|main|nav)\b[^>]*|br\s*/?)>",
    re.IGNORECASE,
)
_ANCHOR = re.compile(r"<a\b[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_URLISH = re.compile(r"https?://|www\.|\(@|\w\.[a-z]{2,}/", re.IGNORECASE)
_SIGNATURE_TAIL = re.compile(
    r"(?:—|–|―|--)\s*(?P<name>[^\n]{0,80}?)\s*\(@(?P<handle>[A-Za-z0-9_]{1,15})\)\s*(?P<date>[^\n]{0,60})$"
)
_ESCAPED_HINTS = ("&lt;blockquote", "\\u003cblockquote", "\\u003Cblockquote", 'class=\\"twitter')
_BLOCKQUOTE = re.compile(r"<blockquote\b.*?</blockquote\s*>", re.IGNORECASE | re.DOTALL)
_JS_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_SCRIPT_URL = re.compile(r"https?://[^\s\"'<>\\]{4,300}")
_CONTEXT_TAGS = frozenset(
    {"p", "li", "blockquote", "td", "figcaption", "h1", "h2", "h3", "h4", "dd", "q", "figure"}
)
MIN_ARTICLE_CHARS = 600


class _Page:
    """One parsed page and the state of the walk over it."""

    def __init__(self, tree: LexborHTMLParser, base_url: str | None, out: CitationSet) -> None:
        self.tree = tree
        self.base_url = base_url
        self.out = out
        self.skip_anchors: set[int] = set()
        self.consumed: list[LexborNode] = []
        self.blocks: dict[int, list[Any]] = {}  # block mem_id -> [text, search cursor]

    def context(self, node: LexborNode) -> str:
        """The sentence around `node` inside its nearest block. A block's text is computed
        once and searched from where its previous link was found (links come in order)."""
        needle = node_text(node)
        block = node.parent
        for _ in range(6):
            if block is None or block.tag in _CONTEXT_TAGS:
                break
            block = block.parent
        if block is None:
            return needle
        entry = self.blocks.get(block.mem_id)
        if entry is None:
            entry = self.blocks[block.mem_id] = [node_text(block), 0]
        text, cursor = entry
        at = text.find(needle, cursor) if needle else -1
        if at < 0 and needle:
            at = text.find(needle)
        if at < 0:
            return text[:400]
        entry[1] = at + len(needle)
        return sentence_around(text, at, at + len(needle))

    def resolvable(self, href: str) -> bool:
        """False for a relative link on a page with no base URL to resolve it against."""
        return bool(self.base_url) or href.startswith("//") or "://" in href[:12]

    def classify(self, url: str, *, relative: bool = True) -> UrlInfo | None:
        """What `url` cites, or None; `relative=False` for URLs written out as text, which are
        never relative to the page (`pic.twitter.com/…`)."""
        base = self.base_url if relative else None
        info = classify_url(url, base) if url else None
        return None if info is None or info.kind in NOT_CITATIONS else info

    def consume(self, node: LexborNode) -> None:
        self.consumed.append(node)
        self.skip_anchors.update(a.mem_id for a in node.css("a[href], [data-tweet-id]"))
        for inner in node.css(EMBED_SELECTOR):
            self.skip_anchors.add(inner.mem_id)

    # --- embeds -------------------------------------------------------------------------------

    def embed(self, node: LexborNode) -> bool:
        """Handle `node` if it is an embed; True when it was."""
        tag = node.tag
        uri = attr(node, "data-bluesky-uri")
        info = bluesky.at_uri(uri) if uri else None
        if info is not None:
            self.out.add_url(info, uri, node_text(node) or uri, "embed")
            self.consume(node)
            return True
        tweet_id = attr(node, "data-tweet-id") or attr(node, "data-tweetid")
        if not tweet_id and attr(node, "data-embed-type").lower() == "twitter":
            tweet_id = attr(node, "data-embed-id")
        if tweet_id.isdigit():
            return self.tweet_by_id(node, tweet_id)
        if tag == "blockquote":
            return self.blockquote(node)
        for name in ("data-embedded-url", "data-href", "src", "data-src", "data-url"):
            value = attr(node, name)
            if name == "data-href" and "fb-" not in attr(node, "class"):
                continue
            if value and self.embedded_url(node, value, f'{name}="{value}"'):
                return True
        if self.attribute_embed(node):
            return True
        if "wp-block-embed__wrapper" in attr(node, "class"):
            shown = node_text(node)
            return "://" in shown[:12] and self.embedded_url(node, shown, shown)
        return False

    def attribute_embed(self, node: LexborNode) -> bool:
        """Handle `node` if a site's embed attribute on it names a post; True when it did."""
        for rule in EMBED_ATTRIBUTES:
            if not (rule.tag == node.tag if rule.tag else node.tag != "blockquote"):
                continue
            value = attr(node, rule.attribute)
            if not value or (rule.digits and not value.isdigit()):
                continue
            if rule.class_word and rule.class_word not in attr(node, "class").lower():
                continue
            if self.embedded_url(node, rule.url.format(value), rule.raw.format(value)):
                return True
        return False

    def embedded_url(self, node: LexborNode, url: str, raw: str) -> bool:
        info = self.classify(url)
        if info is None or info.kind != CitationKind.POST:
            return False
        self.out.add_url(info, raw, node_text(node) or raw, "embed")
        self.consume(node)
        return True

    def tweet_by_id(self, node: LexborNode, tweet_id: str) -> bool:
        handle = None
        for a in node.css("a[href]"):
            info = self.classify(attr(a, "href"))
            if info and info.kind == CitationKind.POST and info.post_id == tweet_id:
                handle = info.handle
        citation = Citation(
            kind=CitationKind.POST,
            platform=twitter.NAME,
            url=twitter.post_url(handle, tweet_id),
            post_id=tweet_id,
            author_handle=handle,
            text=node_text(node) or None,
        )
        self.out.add(citation, tweet_id, node_text(node) or tweet_id, "embed")
        self.consume(node)
        return True

    def blockquote(self, node: LexborNode) -> bool:
        classes = attr(node, "class").lower()
        for name in ("data-instgrm-permalink", "cite", "data-text-post-permalink"):
            value = attr(node, name)
            if value and self.embedded_url(node, value, value):
                return True
        if self.attribute_embed(node):
            return True
        if any(word in classes for word in ("reddit", "instagram", "tiktok", "bluesky")):
            for a in node.css("a[href]"):
                if self.embedded_url(node, attr(a, "href"), attr(a, "href")):
                    return True
        text = node_text(node)
        signature = _SIGNATURE_TAIL.search(text[-260:])
        if "tweet" not in classes and signature is None:
            return False
        return self.tweet_blockquote(node, signature)

    def tweet_blockquote(self, node: LexborNode, signature: re.Match[str] | None) -> bool:
        post: UrlInfo | None = None
        raw = ""
        attached: list[tuple[UrlInfo, str]] = []
        for a in node.css("a[href]"):
            href = attr(a, "href")
            info = self.classify(href) if self.resolvable(href) else None
            if info is None:
                continue
            if info.platform == twitter.NAME and info.kind == CitationKind.POST:
                post, raw = info, href
            elif info.kind in (CitationKind.LINK, CitationKind.MEDIA):
                attached.append((info, href))
                shown = node_text(a)
                shown_pic = shown.startswith("pic.twitter.com/")
                media = self.classify(shown, relative=False) if shown_pic else None
                if media is not None:
                    attached.append((media, shown))
        paragraphs = [node_text(p) for p in node.css("p")]
        body = "\n".join(p for p in paragraphs if p) or None
        name = handle = posted_at = None
        if signature is not None:
            name = signature.group("name").strip() or None
            handle = signature.group("handle")
            posted_at = parse_signature_date(signature.group("date"))
        if post is None and signature is None:
            return False
        citation = Citation(
            kind=CitationKind.POST,
            platform=twitter.NAME,
            url=post.canonical_url if post else None,
            post_id=post.post_id if post else None,
            author_handle=(post.handle if post else None) or handle,
            author_name=name,
            posted_at=posted_at,
            text=body,
        )
        if post is not None and citation.author_handle:
            citation.url = twitter.post_url(citation.author_handle, post.post_id or "")
        added = self.out.add(
            citation, raw or (signature.group(0) if signature else ""), node_text(node), "embed"
        )
        for info, href in attached:
            self.out.attach(added, info, href)
        self.consume(node)
        return True

    # --- links and text ------------------------------------------------------------------------

    def link(self, node: LexborNode, page_url: str | None) -> None:
        href = attr(node, "href")
        if not href or href.startswith("#") or not self.resolvable(href):
            return
        info = self.classify(href)
        if info is None or (page_url and info.canonical_url == page_url):
            return
        self.out.add_url(info, href, self.context(node), "link")

    def escaped_embeds(self, root: LexborNode) -> None:
        """Embeds kept as escaped HTML in attributes or scripts inside the article (JSON props
        of a component, `&lt;blockquote ...` placeholders).

        Each fragment's own parse is dropped once read: its nodes are not in the page's text,
        and holding them keeps every fragment's parser alive (quadratic time in their number).
        """
        for node in root.traverse():
            values = [v for v in node.attributes.values() if v and "blockquote" in v]
            if node.tag == "script" and "blockquote" in (node.text() or ""):
                values.append(node.text() or "")
            for value in values:
                fragment = _unescape_fragment(value)
                for m in _BLOCKQUOTE.finditer(fragment):
                    mark = len(self.consumed)
                    for inner in LexborHTMLParser(m.group(0)).css("blockquote"):
                        self.embed(inner)
                    del self.consumed[mark:]

    def scripts(self) -> None:
        """Post URLs in scripts and JSON, for pages whose article only exists as data."""
        for script in self.tree.css("script"):
            data = script.text() or ""
            if "status" not in data and "t.me" not in data and "youtu" not in data:
                continue
            data = htmllib.unescape(data.replace("\\/", "/").replace("\\u002F", "/"))
            for m in _SCRIPT_URL.finditer(data):
                info = self.classify(m.group(0))
                if info is not None and info.kind == CitationKind.POST:
                    self.out.add_url(info, m.group(0), m.group(0), "script")


def _unescape_fragment(value: str) -> str:
    """HTML that was escaped for an attribute, a JS string or JSON, readable again."""
    for _ in range(3):
        value = htmllib.unescape(value).replace('\\"', '"').replace("\\/", "/")
        value = _JS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value


def _root_text(root: LexborNode, consumed: list[LexborNode]) -> str:
    for node in consumed:
        node.decompose()
    markup = root.html or ""
    markup = re.sub(
        r"<(script|style|noscript|template)\b.*?</\1\s*>", " ", markup, flags=re.I | re.S
    )
    markup = _ANCHOR.sub(lambda m: m.group(1).replace("/", "\u2215"), markup)
    text = htmllib.unescape(_TAGS.sub("", _BLOCKS.sub("\n", markup)))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)  # one block a line


def _base(tree: LexborHTMLParser, base_url: str | None) -> str | None:
    """The URL relative links resolve against: `<base href>`, else the URL the page came from,
    else the page's own canonical or og:url (saved pages and files)."""
    node = tree.css_first("base[href]")
    if node is not None:
        return absolute_url(attr(node, "href"), base_url) or base_url
    if base_url:
        return base_url
    for selector, name in (
        ('link[rel="canonical"]', "href"),
        ('meta[property="og:url"]', "content"),
    ):
        found = tree.css_first(selector)
        value = attr(found, name) if found is not None else ""
        if value.lower().startswith(("http://", "https://")):
            return value
    return None


def _title(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("title")
    title = node_text(node) if node is not None else ""
    if not title:
        og = tree.css_first('meta[property="og:title"]')
        title = attr(og, "content") if og is not None else ""
    return title or None


def _embeds_and_anchors(tree: LexborHTMLParser) -> list[LexborNode]:
    """Embed candidates and anchors in document order (one selector list is much slower)."""
    wanted = {node.mem_id for sel in _EMBED_SELECTORS for node in tree.css(sel)}
    wanted.update(node.mem_id for node in tree.css("a[href]"))
    return [node for node in tree.root.traverse() if node.mem_id in wanted]


def extract_html(
    text: str, base_url: str | None, out: CitationSet, warnings: list[str] | None = None
) -> tuple[str | None, str | None]:
    """Add the citations of an HTML page to `out`; return (title, base URL used)."""
    if too_deep(text):
        text = limit_nesting(text)
        if warnings is not None:
            warnings.append(f"elements nested deeper than {MAX_DEPTH} levels were unwrapped")
    tree = LexborHTMLParser(text)
    base = _base(tree, base_url)
    page = _Page(tree, base, out)
    page_info = classify_url(base) if base else None
    page_url = page_info.canonical_url if page_info else None
    root, held = main_content(tree)
    in_root = article_links(root, held)
    for node in _embeds_and_anchors(tree):
        mem = node.mem_id
        if mem in page.skip_anchors:
            continue
        if node.tag == "a":
            if mem in in_root:
                page.link(node, page_url)
            continue
        page.embed(node)
    if any(hint in text for hint in _ESCAPED_HINTS):
        page.escaped_embeds(root)
    root_text = _root_text(root, page.consumed) if root.html else ""
    if _URLISH.search(root_text):
        extract_text(root_text, out)
    if len(root_text) < MIN_ARTICLE_CHARS:
        page.scripts()
    return _title(tree), base
