"""The render limit: how much of a page document the browser is given.

Chromium's renderer lays out all of a document it is given, and the memory that takes grows
faster than the document (measured with the headless shell 156: 8 MiB of text/plain took
680 MB more than an empty page, 4 MiB of random bytes served as HTML 590 MB and 17 s). No
Chromium flag bounds a renderer's layout memory, so the bound is on its input: the recorder
keeps recording what the server sends (up to `max_response_bytes`), but passes a document (a
navigation, main frame or frame) to the browser only up to `max_render_bytes` as transferred,
or until its body decoded past that many bytes, and then ends the browser's connection. The
capture then says which document the browser was given only part of, and how much.
"""

from dataclasses import dataclass

from collector.capture.httpwire import Head

DOCUMENT_DESTINATIONS = frozenset({"document", "iframe", "frame", "embed", "object"})
"""`Sec-Fetch-Dest` values of requests the browser renders as a document."""


def is_document_request(head: Head) -> bool:
    """Whether the browser will render this request's response as a document.

    `Sec-Fetch-Dest` says so where Chromium sends it (secure and loopback origins); otherwise
    a navigation is known by its `Accept`, which asks for HTML (fetch and XHR ask for `*/*`)."""
    destination = head.get("sec-fetch-dest")
    if destination is not None:
        return destination.strip().lower() in DOCUMENT_DESTINATIONS
    return "text/html" in (head.get("accept") or "").lower()


@dataclass
class RenderGate:
    """Counts the body bytes one response gives the browser and closes at the limit."""

    limit: int | None
    """None: no limit (not a document)."""
    given: int = 0
    """Body bytes, as transferred, passed to the browser so far."""
    closed: bool = False

    def admit(self, data: bytes, decoded: int) -> bytes:
        """The part of `data` the browser may have; `decoded` is how far the body has decoded
        with it. Once the limit is reached the gate is closed and admits nothing more."""
        if self.closed:
            return b""
        if self.limit is None:
            self.given += len(data)
            return data
        if decoded > self.limit:
            self.closed = True
            return b""
        room = self.limit - self.given
        if len(data) >= room:
            data, self.closed = data[:room], True
        self.given += len(data)
        return data
