"""The HTML report (and PDF) of a source, case or capture, laid out for a court clerk after the
Berkeley Protocol: a contents list, a summary of who collected what, when, how and from where,
what is missing and why, then each article with its own capture and each cited item with its
captures (`report_capture`), the signed checkpoint, and how to verify it all independently.

Jinja2 with autoescaping: every captured or cited string (titles, post text, URLs, handles) is
escaped; images are embedded as data: URLs so the file is self-contained. The PDF's contents
list carries the page each section starts on (`pdf.print_report`).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from archive import __version__
from archive.archive import Archive
from archive.citations import unresolved_reason
from archive.errors import EvidenceError
from archive.export.instructions import sections as verify_sections
from archive.export.package import (
    BAG_LAYOUT,
    discard,
    provenance_entries,
    publish,
)
from archive.export.report_capture import CaptureView, capture_view, handle
from archive.export.report_clock import Clock
from archive.export.select import CaptureItem, Selection
from archive.fsutil import temporary_sibling
from archive.models import Citation
from archive.timeutil import iso, utcnow

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Section:
    """A numbered heading the contents list points at."""

    anchor: str
    number: str
    title: str
    level: int  # 2 or 3


@dataclass
class Layout:
    """The report's parts, in order: sections, views, and what goes under each article."""

    sections: list[Section]
    views: dict[str, CaptureView]
    article_captures: dict[str, list[CaptureItem]]
    citations: dict[str, list[Citation]]
    others: list[CaptureItem]


def _batch(selection: Selection, item: CaptureItem) -> str | None:
    """The timestamped checkpoint that covers a capture without a token of its own."""
    stamped = {p.checkpoint.tree_size: p for p in selection.checkpoints if p.tokens}
    return next(
        (f"{iso(p.tokens[0].gen_time)} via checkpoint {size} ({p.tokens[0].tsa_url})"
         for size, p in sorted(stamped.items())
         if not item.tokens and item.recorded_seq and item.recorded_seq <= size),
        None,
    )  # fmt: skip


def _layout(archive: Archive, selection: Selection) -> Layout:
    views = {
        c.capture.id: capture_view(archive, selection, c, _batch(selection, c))
        for c in selection.captures
    }
    source_ids = {s.id for s in selection.sources}
    article_captures: dict[str, list[CaptureItem]] = {s.id: [] for s in selection.sources}
    for item in selection.captures:
        if item.capture.source_id in source_ids and item.capture.target_id is None:
            article_captures[item.capture.source_id].append(item)
    citations: dict[str, list[Citation]] = {s.id: [] for s in selection.sources}
    for citation in selection.citations:
        citations.setdefault(citation.source_id, []).append(citation)
    cited = {c.target_id for c in selection.citations}
    placed = {c.capture.id for items in article_captures.values() for c in items}
    others = [
        c
        for c in selection.captures
        if c.capture.target_id not in cited and c.capture.id not in placed
    ]
    return Layout(_sections(selection, article_captures, citations, others), views,
                  article_captures, citations, others)  # fmt: skip


def _sections(
    selection: Selection,
    article_captures: dict[str, list[CaptureItem]],
    citations: dict[str, list[Citation]],
    others: list[CaptureItem],
) -> list[Section]:
    """The numbered headings, in the order the report prints them."""
    tops: list[tuple[str, str]] = [("summary", "Summary"), ("missing", "What is missing and why")]
    tops += [(s.id, f"Article: {s.title or s.location}") for s in selection.sources]
    if others:
        tops.append(("others", "Other captures" if selection.sources else "Captures"))
    tops += [("checkpoint", "Signed checkpoint"), ("verify", "How to verify this independently")]
    numbered = []
    for number, (anchor, title) in enumerate(tops, start=1):
        numbered.append(Section(anchor, str(number), title, 2))
        subs: list[tuple[str, str]] = []
        if article_captures.get(anchor):
            subs.append((f"{anchor}-capture", "The article as captured"))
        for citation in citations.get(anchor, []):
            title = f"Cited item {citation.position + 1}: {citation.kind} on {citation.platform}"
            if citation.author_handle:
                title += f" by {handle(citation.author_handle)}"
            subs.append((citation.id, title))
        numbered += [
            Section(sub, f"{number}.{n}", text, 3) for n, (sub, text) in enumerate(subs, start=1)
        ]
    return numbered


def _summary(archive: Archive, selection: Selection, views: list[CaptureView]) -> dict[str, Any]:
    """The package at a glance: every distinct value of each collection fact."""

    def distinct(key: str) -> list[str]:
        return sorted({v.values[key] for v in views if v.values.get(key)})

    investigators = set(distinct("investigator"))
    investigators |= {s.investigator for s in selection.sources if s.investigator}
    starts = [v.item.capture.started_at for v in views]
    ends = [v.item.capture.finished_at for v in views]
    clock = views[0].clock if len({v.clock.label for v in views}) == 1 else Clock(None, "")
    statuses: dict[str, int] = {}
    for view in views:
        statuses[view.item.capture.status] = statuses.get(view.item.capture.status, 0) + 1
    authorities = sorted(
        {
            f"{s.certificate['subject']} (issuer {s.certificate['issuer']}; {s.tsa_url})"
            for v in views
            for s in v.stamps
            if s.certificate
        }
    )
    return {
        "investigators": sorted(investigators),
        "period": (clock.both(min(starts)), clock.both(max(ends))),
        "zones": distinct("zone"),
        "tools": distinct("tool"),
        "browsers": distinct("browser"),
        "methods": distinct("method"),
        "sessions": distinct("session"),
        "vantages": distinct("vantage"),
        "machines": distinct("machine"),
        "statuses": ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())),
        "authorities": authorities,
        "made": Clock.here().both(utcnow()),
        "made_by": archive.settings.investigator,
    }


def citation_gap(citation: Citation) -> str:
    """Why a cited item has no capture in the report."""
    if citation.target_id is None or not citation.url:
        return "not resolved: " + unresolved_reason(citation.model_dump())
    return "not captured in this archive"


def _missing(selection: Selection, layout: Layout, damaged: list[dict[str, Any]]) -> list[str]:
    """Every gap of the package, each with its place and reason."""
    found = [
        f"cited item {c.position + 1}: {citation_gap(c)}"
        for c in selection.citations
        if not selection.captures_of_target(c.target_id)
    ]
    places = {c.capture.id: "the article" for items in layout.article_captures.values()
              for c in items}  # fmt: skip
    for citation in selection.citations:
        for item in selection.captures_of_target(citation.target_id):
            places.setdefault(item.capture.id, f"cited item {citation.position + 1}")
    for view in layout.views.values():
        where = places.get(view.item.capture.id, "not cited")
        found += [f"capture {view.item.capture.id} ({where}): {line}" for line in view.missing]
    found += [f"damaged: {d['what']} (recorded {d['expected_sha256']})" for d in damaged]
    return found


def render_report(archive: Archive, selection: Selection) -> str:
    """The report as one self-contained HTML document (no page numbers in its contents)."""
    return report_renderer(archive, selection).render({})


@dataclass
class Renderer:
    """The report's HTML for given page numbers ({section anchor: page}), and its sections:
    the selection is read once, the PDF printed again with the pages its first print gave."""

    sections: list[Section]
    render: Callable[[dict[str, int]], str]


def report_renderer(archive: Archive, selection: Selection) -> Renderer:
    """The renderer of `selection`'s report."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    layout = _layout(archive, selection)
    capture_template = env.get_template("capture.html")

    def capture_block(item: CaptureItem) -> Any:
        return Markup(
            capture_template.render(
                v=layout.views[item.capture.id], c=item, iso=iso, handle=handle,
                fingerprint=selection.key.fingerprint,
            )
        )  # fmt: skip

    _, index = provenance_entries(selection, BAG_LAYOUT, "bagit")
    summary = _summary(archive, selection, list(layout.views.values()))
    missing = _missing(selection, layout, index["damaged"])
    report = env.get_template("report.html")
    instructions = verify_sections(index, root="BAG")
    head = selection.checkpoints[0].checkpoint

    def render(pages: dict[str, int]) -> str:
        return report.render(
            s=selection, kind=selection.kind, version=__version__, head=head,
            layout=layout, section={x.anchor: x for x in layout.sections}, pages=pages,
            summary=summary, missing=missing, captures_of=selection.captures_of_target,
            capture_block=capture_block, iso=iso, handle=handle, instructions=instructions,
            damaged=index["damaged"], gap=citation_gap,
        )  # fmt: skip

    return Renderer(layout.sections, render)


def export_report(archive: Archive, selection: Selection, output: Path) -> Path:
    """Write the report to `output`: HTML, or PDF when `output` ends in .pdf."""
    suffix = output.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise EvidenceError(f"a report is written as .html or .pdf, not {output.name}")
    renderer = report_renderer(archive, selection)
    temporary = temporary_sibling(output)
    try:
        if suffix == ".pdf":
            from archive.export.pdf import print_report

            numbers = {s.anchor: s.number for s in renderer.sections}
            print_report(renderer.render, numbers, temporary, f"Evidence report {selection.id}")
        else:
            temporary.write_text(renderer.render({}), encoding="utf-8")
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
