"""The capture page lists the independent copies other archives hold, inert when hostile."""

from pathlib import Path

from fastapi.testclient import TestClient

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Witness
from collector.web.app import create_app
from collector.web.auth import prepare_token
from tests.web.rows import T0, link_capture

XSS = '<script>alert("x")</script>'


def test_capture_page_lists_independent_copies(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        with archive.session() as s:
            capture = link_capture(s, "complete", "https://example.org/")
            common = {"target_id": capture.target_id, "capture_id": capture.id,
                      "url": "https://example.org/"}  # fmt: skip
            s.add_all([
                Witness(id=new_id("wit"), service="wayback", method="availability",
                        status="found", request_url="https://w/wayback/available",
                        memento_url="https://web.archive.org/web/20260501/https://example.org/",
                        memento_at=T0, mementos=[{"url": "u"}], **common),
                Witness(id=new_id("wit"), service="memento", method="timemap", status="found",
                        request_url="https://tm/", memento_url="javascript:alert(1)",
                        mementos=[], **common),
                Witness(id=new_id("wit"), service="archive_today", method="timemap",
                        status="failed", request_url="https://a/", error=f"HTTP 503 {XSS}",
                        **common),
            ])  # fmt: skip
        tokens, _ = prepare_token(archive.home / "keys", "a-configured-token-123")
        client = TestClient(create_app(archive, tokens, None), follow_redirects=False)
        client.cookies.set("evidence_token", "a-configured-token-123")
        page = client.get(f"/captures/{capture.id}").text
    section = page[page.index("Independent copies") : page.index("Custody events")]
    assert 'href="https://web.archive.org/web/20260501/https://example.org/"' in section
    assert "wayback" in section and "archive_today" in section and "HTTP 503" in section
    assert 'href="javascript:' not in section
    assert XSS not in section
