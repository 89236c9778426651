"""Reading selectolax (lexbor) nodes: an attribute, and the text with whitespace collapsed."""

from selectolax.lexbor import LexborNode


def attr(node: LexborNode, name: str) -> str:
    """The attribute's value, stripped ('' when absent)."""
    return (node.attributes.get(name) or "").strip()


def node_text(node: LexborNode) -> str:
    """The node's text with runs of whitespace as one space."""
    return " ".join((node.text(deep=True, separator=" ") or "").split())
