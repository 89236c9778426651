"""Bytes to text: size limits, binary refusal, charset (declared vs actual), HTML sniffing."""

import codecs
import re
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

from archive.errors import EvidenceError

MAX_BYTES = 32 * 1024 * 1024
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)
_HTML_START = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|!--)", re.I | re.S
)
_HTML_TAGS = re.compile(
    r"<(?:p|div|a\s|br|blockquote|article|section|span|iframe|script|table|ul|li|h[1-6])\b",
    re.IGNORECASE,
)
_MAGIC = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG", "PNG image"),
    (b"GIF8", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"RIFF", "RIFF media"),
    (b"\x7fELF", "executable"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ", "xz data"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class UnsupportedDocument(EvidenceError):
    """The input is not an HTML or text document the extractor can read."""


@dataclass
class Document:
    """A decoded document."""

    text: str
    media_type: str  # text/html | text/plain
    encoding: str | None
    warnings: list[str] = field(default_factory=list)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def _sniff_binary(head: bytes) -> str | None:
    for magic, label in _MAGIC:
        if head.startswith(magic):
            return label
    if b"\x00" in head[:4096]:
        return "binary data"
    return None


def _decode(data: bytes, content_type: str | None, warnings: list[str]) -> tuple[str, str]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace").lstrip("\ufeff"), name
    label = _sniff_binary(data[:4096])
    if label:
        raise UnsupportedDocument(f"the input is {label}, not an HTML or text document")
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(data[:8192])
    declared = _codec(header.group(1) if header else None) or _codec(
        meta.group(1).decode("ascii", "replace") if meta else None
    )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if declared and declared not in ("utf-8", "ascii") and not text.isascii():
            warnings.append(f"declared charset {declared} but the content is valid UTF-8")
        return text, "utf-8"
    if declared and declared != "utf-8":
        try:
            return data.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            warnings.append(f"declared charset {declared} does not decode the content")
    elif declared == "utf-8":
        warnings.append("declared charset utf-8 but the content is not valid UTF-8")
    best = from_bytes(data[:262144]).best()
    guess = _codec(best.encoding) if best is not None else None
    if guess:
        return data.decode(guess, errors="replace"), guess
    warnings.append("charset unknown; undecodable bytes replaced")
    return data.decode("utf-8", errors="replace"), "utf-8"


def looks_like_html(text: str) -> bool:
    """True when `text` reads as HTML markup rather than plain text or Markdown."""
    head = text[:4096]
    if _HTML_START.match(head):
        return True
    return len(_HTML_TAGS.findall(head)) >= 3


def read_document(
    document: bytes | str, content_type: str | None = None, max_bytes: int = MAX_BYTES
) -> Document:
    """Decode `document` and decide whether it is HTML or plain text."""
    warnings: list[str] = []
    size = len(document) if isinstance(document, bytes) else len(document.encode("utf-8"))
    if size > max_bytes:
        raise UnsupportedDocument(
            f"the document is {size / 2**20:.1f} MiB; the limit is {max_bytes / 2**20:.0f} MiB"
        )
    if isinstance(document, bytes):
        text, encoding = _decode(document, content_type, warnings)
    else:
        text, encoding = document, None
        if "\x00" in text[:4096]:
            raise UnsupportedDocument("the input is binary data, not an HTML or text document")
    if not text.strip():
        raise UnsupportedDocument("the document is empty")
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml"):
        media_type = "text/html"
    elif mime and not mime.startswith("text/") and mime not in ("application/xml",):
        raise UnsupportedDocument(f"cannot extract citations from {mime}")
    else:
        media_type = "text/html" if looks_like_html(text) else "text/plain"
    return Document(text, media_type, encoding, warnings)
