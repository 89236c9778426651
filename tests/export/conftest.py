"""One archive for the export tests, built through the real path: Chromium captures of the
offline test world, stored with store_blobs -> build_rows -> prepare_seal -> insert_rows ->
finish_writes against the test TSA; a case, a source with hostile strings and its citations."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.archive import Archive
from archive.export import export
from archive.ids import new_id
from archive.models import Citation, PostSnapshot, Source
from archive.provenance.seal import finish_writes
from archive.vocabulary import WitnessMethod, WitnessService, WitnessStatus
from collector.capture.store import build_rows, insert_rows, seal_rows, store_blobs
from collector.collect.targets import ensure_target
from collector.collect.witnessing import store_answers
from collector.platforms.evidence_card import render_card
from collector.witnesses.answer import Memento, WitnessAnswer
from tests.capture.conftest import EngineRunner, world_settings
from tests.provenance.conftest import tsa
from tests.provenance.tsa import LocalTsa
from tests.world.server import World

__all__ = ["tsa"]

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass
class ExportWorld:
    """The archive and the ids the tests export."""

    home: Path
    archive: Archive
    tsa: LocalTsa
    case_id: str
    source_id: str
    capture_ids: list[str]
    urls: list[str]


def _seal_capture(
    archive: Archive, runner: EngineRunner, url: str, with_post: bool = False,
    sealed: bool = True, **links: str | None,
) -> str:  # fmt: skip
    """Capture `url` and store it, sealed unless told (as captures stored before sealing
    was wired in are); `with_post` adds what the collect pipeline adds (an evidence card, a
    media file under a nested name and a post snapshot, as collector.collect.record does)."""
    result = runner.capture(url)
    assert result.status == "complete", result.status_reason
    rows = build_rows(archive, result, store_blobs(archive, result), **links)
    if with_post:
        with archive.session() as session:
            blob = archive.store_blob(session, result.artifact("screenshot-viewport").data)
        rows.artifacts.append(
            {"id": new_id("art"), "capture_id": rows.capture_id, "role": "media",
             "name": "media/01-photo.png", "blob_sha256": blob.sha256, "size": blob.size,
             "media_type": "image/png", "original_url": f"{url}#photo", "details": {}}
        )  # fmt: skip
        card = render_card(
            result.artifact("screenshot-viewport").data, url, result.started_at, rows.capture_id
        )
        with archive.session() as session:
            card_blob = archive.store_blob(session, card)
        rows.artifacts.append(
            {"id": new_id("art"), "capture_id": rows.capture_id, "role": "evidence-card",
             "name": "evidence-card.png", "blob_sha256": card_blob.sha256,
             "size": card_blob.size, "media_type": "image/png", "original_url": None,
             "details": {"of": "screenshot-viewport.png"}}
        )  # fmt: skip
        rows.posts.append(
            PostSnapshot(
                id=new_id("post"), capture_id=rows.capture_id, platform="web", post_id="1",
                author_handle=f"@{HOSTILE}", text=f"post text {HOSTILE}",
            )
        )  # fmt: skip
    if sealed:
        seal_rows(archive, rows)
    return insert_rows(archive, rows)


WITNESS_ANSWER = WitnessAnswer(
    WitnessService.WAYBACK, WitnessMethod.AVAILABILITY, WitnessStatus.FOUND,
    "https://web.archive.org/wayback/available?url=x", "https://example.test/",
    [Memento("https://web.archive.org/web/20260501100000/https://example.test/",
             datetime(2026, 5, 1, 10, tzinfo=UTC), "web.archive.org")],
    http_status=200, body=b'{"archived_snapshots": {"closest": {"available": true}}}',
)  # fmt: skip
"""One witness answer stored with the first capture, so every package carries one."""


@pytest.fixture(scope="session")
def export_world(
    tmp_path_factory: pytest.TempPathFactory, test_world: World, tsa: LocalTsa
) -> Iterator[ExportWorld]:
    """Two cited pages captured and sealed, one more capture outside the source, unsealed."""
    saved = {k: os.environ.get(k) for k in ("EVIDENCE_TSA_URLS", "EVIDENCE_TSA_CA_BUNDLE")}
    os.environ["EVIDENCE_TSA_URLS"] = f"{tsa.url}/tsa"
    os.environ["EVIDENCE_TSA_CA_BUNDLE"] = str(tsa.bundle)
    home = tmp_path_factory.mktemp("export") / "home"
    archive = Archive.open(home)
    runner = EngineRunner(world_settings(test_world))
    try:
        urls = [test_world.http("/static/page.html?n=1"), test_world.http("/gzip")]
        with archive.session() as session:
            case = archive.ensure_case(session, f"Case {HOSTILE}")
            article = archive.store_blob(session, f"<h1>{HOSTILE}</h1>".encode())
            source = Source(
                id=new_id("src"), case_id=case.id, kind="url", location="https://news.example/a",
                title=f"Article {HOSTILE}", content_sha256=article.sha256, media_type="text/html",
            )  # fmt: skip
            session.add(source)
            session.flush()
            targets = []
            for position, url in enumerate(urls):
                cited = {"kind": "link", "platform": "web", "url": url, "text": f"cited {HOSTILE}"}
                target = ensure_target(archive, session, cited)
                targets.append(target.id)
                session.add(
                    Citation(
                        id=new_id("cit"), source_id=source.id, target_id=target.id,
                        position=position, kind="link", platform="web", url=url,
                        author_handle=f"@{HOSTILE}", text=f"cited {HOSTILE}",
                    )
                )  # fmt: skip
            session.flush()
            archive.record(session, "source.extracted", "source", source.id, {"citations": 2})
            case_id, source_id = case.id, source.id
        capture_ids = [
            _seal_capture(archive, runner, url, n == 0, target_id=target, case_id=case_id)
            for n, (url, target) in enumerate(zip(urls, targets, strict=True))
        ]
        store_answers(archive, targets[0], capture_ids[0], [WITNESS_ANSWER])
        finish = finish_writes(archive)
        assert not finish.failed
        unsealed = _seal_capture(archive, runner, test_world.http("/chunked"), sealed=False)
        capture_ids.append(unsealed)
        assert not finish_writes(archive).failed
        yield ExportWorld(home, archive, tsa, case_id, source_id, capture_ids, urls)
    finally:
        runner.close()
        archive.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass
class Packages:
    """Packages of the source (two captures), exported once per session; copy before editing."""

    bag: Path
    zipped_bag: Path
    wacz: Path
    report: Path


@pytest.fixture(scope="session")
def packages(export_world: ExportWorld, tmp_path_factory: pytest.TempPathFactory) -> Packages:
    """A bag folder, a zipped bag, a WACZ and an HTML report of the source."""
    folder = tmp_path_factory.mktemp("packages")
    made = Packages(
        folder / "bag", folder / "bag.zip", folder / "source.wacz", folder / "report.html"
    )
    for fmt, path in (
        ("bagit", made.bag), ("bagit", made.zipped_bag), ("wacz", made.wacz),
        ("report", made.report),
    ):  # fmt: skip
        export(export_world.archive, export_world.source_id, fmt, path)
    return made
