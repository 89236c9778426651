"""`evidence capture <post URL> --json` carries the post's data and its media artifacts."""

import hashlib
from pathlib import Path

import pytest
from sqlmodel import select

from archive.archive import Archive
from archive.models import Artifact
from tests.collect.conftest import run_json
from tests.world.server import World

pytestmark = pytest.mark.browser


def test_capture_post_url_includes_post_and_media(world_env: World, tmp_path: Path) -> None:
    url = "https://x.com/UaSmart/status/934106870834454529"
    (row,) = run_json(tmp_path, "capture", "--json", url)
    # the world's stand-in for X's client draws its recorded page (tests/world/sites.py)
    assert row["status"] == "complete", row["status_reason"]
    post = row["post"]
    assert post["platform"] == "twitter" and post["post_id"] == "934106870834454529"
    assert post["author_handle"] == "UaSmart"
    assert post["text"].startswith("Y terminamos el dia con Cultura de empresa")
    assert post["media"] and post["media"][0]["url"].startswith("https://pbs.twimg.com/media/")
    (photo,) = row["media"]
    assert photo["media_type"] == "image/png"
    with Archive.open(tmp_path) as archive:
        data = archive.blobs.get(photo["sha256"])
    assert hashlib.sha256(data).hexdigest() == photo["sha256"] and data.startswith(b"\x89PNG")
    roles = {artifact["role"] for artifact in row["artifacts"]}
    assert {"screenshot-full", "warc", "post_json", "manifest", "signature", "thumbnail"} <= roles
    assert "evidence-card" in roles
    with Archive.open(tmp_path) as archive, archive.session() as session:
        shot = session.exec(
            select(Artifact).where(
                Artifact.capture_id == row["capture_id"], Artifact.role == "screenshot-viewport"
            )
        ).one()
        card = session.exec(
            select(Artifact).where(
                Artifact.capture_id == row["capture_id"], Artifact.role == "evidence-card"
            )
        ).one()
        assert shot.details["image"]["width"] == 1280 and len(shot.details["image"]["phash"]) == 16
        # The page showed the post, so the evidence card draws its screenshot (the post card
        # stands in only for a page that was not usable: tests/collect/test_post_card.py).
        assert card.details == {"of": "screenshot-viewport.png"}
        assert archive.blobs.get(card.blob_sha256).startswith(b"\x89PNG")
