"""<meta> tags of an HTML page as a dict (first value of each name/property/itemprop)."""

from selectolax.lexbor import LexborHTMLParser


def meta_tags(tree: LexborHTMLParser) -> dict[str, str]:
    """First value of each <meta name|property|itemprop> tag, keys lower-cased."""
    meta: dict[str, str] = {}
    for node in tree.css("meta[property], meta[name], meta[itemprop]"):
        attrs = node.attributes
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
        if key and attrs.get("content") is not None:
            meta.setdefault(key.lower(), attrs["content"] or "")
    return meta
