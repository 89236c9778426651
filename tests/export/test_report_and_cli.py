"""The HTML/PDF report and `evidence export`: contents, escaping, ids of every kind, errors."""

import json
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sqlmodel import select

from archive.models import Artifact, Citation, CustodyEvent
from archive.provenance.models import TimestampToken
from tests.export.checks import cli
from tests.export.conftest import HOSTILE, ExportWorld, Packages


def test_report_lists_every_cited_item_with_hashes_and_instructions(
    packages: Packages, export_world: ExportWorld
) -> None:
    text = packages.report.read_text()
    assert "<script" not in text.lower()
    assert "<img src=x" not in text
    assert HOSTILE not in text
    document = lxml_html.fromstring(text)
    assert document.xpath("//script") == [] and not document.xpath("//@onerror")
    visible = document.text_content()
    assert f"Article {HOSTILE}" in visible, "hostile strings are shown, as text"
    assert f"post text {HOSTILE}" in visible, "the post as captured"
    archive = export_world.archive
    with archive.session() as session:
        citations = list(
            session.exec(select(Citation).where(Citation.source_id == export_world.source_id))
        )
        cited = export_world.capture_ids[:2]
        artifacts = list(session.exec(select(Artifact).where(Artifact.capture_id.in_(cited))))  # type: ignore[attr-defined]
        tokens = list(
            session.exec(select(TimestampToken).where(TimestampToken.subject_id.in_(cited)))  # type: ignore[attr-defined]
        )
    headings = [h.text_content() for h in document.xpath("//h3")]
    for citation in citations:
        title = f"3.{citation.position + 1} Cited item {citation.position + 1}: link on web by @"
        assert any(h.startswith(title) for h in headings), headings
        assert citation.url in visible
    assert len(citations) == 2
    for capture_id in cited:
        assert capture_id in visible
    assert export_world.capture_ids[2] not in visible, "not cited by this source"
    for artifact in artifacts:
        assert artifact.blob_sha256 in visible, artifact.name
    for token in tokens:
        assert token.tsa_url in visible and token.id in visible
    images = document.xpath("//img")
    alts = [img.get("alt") for img in images]
    assert len(images) == 3, alts
    assert all(img.get("src").startswith("data:image/png;base64,") for img in images)
    assert alts[0].startswith("evidence-card.png of "), "the card when there is one"
    assert alts[1].startswith("media/01-photo.png of "), "then the post's media"
    assert alts[2].startswith("screenshot-viewport.png of "), "else the screenshot"
    for command in ("openssl pkeyutl -verify", "openssl ts -verify", "evidence verify ../BAG"):
        assert command in visible
    fingerprint = json.loads((packages.bag / "data/provenance/package.json").read_text())["key"]
    assert fingerprint["fingerprint"] in visible


@pytest.mark.browser
def test_report_pdf(export_world: ExportWorld, tmp_path: Path) -> None:
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("no Chromium")
    code, out = cli(
        "export", export_world.source_id, "--format", "report", "-o", str(tmp_path / "r.pdf"),
        home=export_world.home,
    )  # fmt: skip
    assert code == 0, out
    data = (tmp_path / "r.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 10_000


@pytest.mark.parametrize("which", ["capture", "case"])
def test_export_capture_and_case_ids(export_world: ExportWorld, tmp_path: Path, which: str) -> None:
    record = export_world.capture_ids[2] if which == "capture" else export_world.case_id
    out_path = tmp_path / "out.wacz"
    code, out = cli(
        "export", record, "--format", "wacz", "-o", str(out_path), "--json",
        home=export_world.home,
    )  # fmt: skip
    assert code == 0, out
    result = json.loads(out)
    assert result["kind"] == which and result["captures"] == (1 if which == "capture" else 2)
    assert result["size"] == out_path.stat().st_size
    code, out = cli("verify", str(out_path), "--json")
    assert code == 0, out
    unverifiable = [
        (f["subject"], f["check"], f["found"])
        for f in json.loads(out)["findings"]
        if f["status"] == "unverifiable"
    ]
    if which == "capture":  # the unsealed one: checked against its custody event instead
        assert (f"capture {record}", "manifest", "capture not sealed") in unverifiable
        assert (f"capture {record}", "artifacts match the custody log") in {
            (f["subject"], f["check"]) for f in json.loads(out)["findings"] if f["status"] == "ok"
        }
    with export_world.archive.session() as session:
        event = session.exec(
            select(CustodyEvent).where(CustodyEvent.action == "export.created")
            .order_by(CustodyEvent.seq.desc())  # type: ignore[union-attr]
        ).first()  # fmt: skip
    assert event is not None and event.subject_id == record
    assert event.payload["sha256"] == result["package_sha256"]


def test_export_errors_are_one_line_and_leave_nothing(
    export_world: ExportWorld, tmp_path: Path
) -> None:
    home = export_world.home
    cases = [
        (["cap_nonexistent", "-o", str(tmp_path / "a.wacz")], "no capture with id"),
        (["tgt_123", "-o", str(tmp_path / "a.wacz")], "is not a capture, source or case id"),
        ([export_world.source_id, "-o", str(tmp_path / "missing/a.wacz")], "does not exist"),
        ([export_world.source_id, "-o", str(tmp_path)], "already exists as a folder"),
        (
            [export_world.source_id, "--format", "report", "-o", str(tmp_path / "r.txt")],
            "written as .html or .pdf",
        ),
    ]
    for args, message in cases:
        code, out = cli("export", *args, home=home)
        assert code == 1 and message in out, out
        assert "Traceback" not in out
    code, out = cli("export", export_world.source_id, "--format", "zip", "-o", "x", home=home)
    assert code == 2 and "zip" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no temporary files left"
