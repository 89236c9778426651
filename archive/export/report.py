"""The HTML report (and PDF) of a source, case or capture: the article, each cited item with
its evidence card or screenshot, every artifact's hashes, the timestamps, the signing key's
fingerprint, and how to verify it all independently.

Jinja2 with autoescaping: every captured or cited string (titles, post text, URLs, handles) is
escaped; images are embedded as data: URLs so the file is self-contained.
"""

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from archive import __version__
from archive.archive import Archive
from archive.errors import EvidenceError
from archive.export.instructions import sections
from archive.export.package import (
    BAG_LAYOUT,
    discard,
    provenance_entries,
    publish,
    temporary_sibling,
)
from archive.export.select import CaptureItem, Selection
from archive.timeutil import iso, utcnow

IMAGE_ROLES = ("evidence-card", "screenshot-viewport", "screenshot-full")
MAX_IMAGE_BYTES = 8 << 20

TEMPLATES = Path(__file__).parent / "templates"


def _image(
    archive: Archive, item: CaptureItem, damaged: dict[str, str]
) -> tuple[str | None, str | None, str | None]:
    """(data URL, artifact name, sha256) of the capture's evidence card or screenshot (never
    a damaged one)."""
    for role in IMAGE_ROLES:
        artifact = item.artifact(role)
        if artifact is None or artifact.blob_sha256 in damaged:
            continue
        if artifact.size <= MAX_IMAGE_BYTES:
            data = archive.blobs.get(artifact.blob_sha256)
            encoded = base64.b64encode(data).decode("ascii")
            return (
                f"data:{artifact.media_type};base64,{encoded}",
                artifact.name,
                artifact.blob_sha256,
            )
    return None, None, None


def render_report(archive: Archive, selection: Selection) -> str:
    """The report as one self-contained HTML document."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    head = selection.checkpoints[0].checkpoint
    stamped = {p.checkpoint.tree_size: p for p in selection.checkpoints if p.tokens}
    capture_template = env.get_template("capture.html")

    def capture_block(item: CaptureItem) -> Any:
        image, name, sha = _image(archive, item, selection.damaged)
        batch = next(
            (f"{iso(p.tokens[0].gen_time)} via checkpoint {size} ({p.tokens[0].tsa_url})"
             for size, p in sorted(stamped.items())
             if not item.tokens and item.recorded_seq and item.recorded_seq <= size),
            None,
        )  # fmt: skip
        return Markup(
            capture_template.render(
                c=item, image=image, image_name=name, image_sha=sha, iso=iso, batch=batch,
                fingerprint=selection.key.fingerprint,
            )
        )  # fmt: skip

    cited_targets = {c.target_id for c in selection.citations}
    others = [c for c in selection.captures if c.capture.target_id not in cited_targets]
    citations: dict[str, list[Any]] = {s.id: [] for s in selection.sources}
    for citation in selection.citations:
        citations.setdefault(citation.source_id, []).append(citation)
    _, index = provenance_entries(selection, BAG_LAYOUT, "bagit")
    return env.get_template("report.html").render(
        s=selection, kind=selection.kind, made=iso(utcnow()), version=__version__, head=head,
        citations=citations, others=others, captures_of=selection.captures_of_target,
        capture_block=capture_block, iso=iso, instructions=sections(index, root="BAG"),
        damaged=index["damaged"],
    )  # fmt: skip


def export_report(archive: Archive, selection: Selection, output: Path) -> Path:
    """Write the report to `output`: HTML, or PDF when `output` ends in .pdf."""
    html = render_report(archive, selection)
    temporary = temporary_sibling(output)
    try:
        if output.suffix.lower() == ".pdf":
            from archive.export.pdf import html_to_pdf

            html_to_pdf(html, temporary)
        elif output.suffix.lower() in (".html", ".htm"):
            temporary.write_text(html, encoding="utf-8")
        else:
            raise EvidenceError(f"a report is written as .html or .pdf, not {output.name}")
        publish(temporary, output)
    finally:
        discard(temporary)
    return output


def iter_images(html: str) -> Iterator[str]:
    """The data: URLs of the images in a report (for tests and checks)."""
    marker = 'src="data:'
    start = html.find(marker)
    while start >= 0:
        end = html.find('"', start + 5)
        yield html[start + 5 : end]
        start = html.find(marker, end)
