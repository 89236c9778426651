"""snapshot_rows: a result becomes PostSnapshot rows and artifact specs that a real archive
accepts (inserted here the way the capture step will)."""

import hashlib
import io
import json
from pathlib import Path

from PIL import Image
from sqlmodel import select

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Artifact, Capture, PostSnapshot
from archive.timeutil import utcnow
from collector.collect.snapshots import snapshot_rows
from collector.platforms.config import PlatformConfig
from collector.platforms.media import download_all
from collector.platforms.result import PlatformResult, RawResponse
from collector.platforms.twitter_parse import parse_graphql
from tests.platforms.conftest import fixture_path, run
from tests.platforms.fakeweb import FakeWeb

GRAPHQL = "fxembed__TweetResultByRestId_1902059299591090335.json"
PLAYLIST = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2176000\nvid/576x1280.m3u8\n"


def quote_result(web: FakeWeb, config: PlatformConfig) -> PlatformResult:
    """The GraphQL quote tweet, its raw answer kept, its video served as bytes."""
    body = fixture_path("twitter-graphql", GRAPHQL).read_bytes()
    result = PlatformResult(
        platform="twitter", url="https://x.com/carrionkid/status/1902059299591090335"
    )
    result.raw.append(
        RawResponse(
            name="twitter.graphql",
            url="https://x.com/i/api/graphql/TweetResultByRestId",
            status=200,
            headers=[("content-type", "application/json")],
            body=body,
            media_type="application/json",
            fetched_at=utcnow(),
        )
    )
    parse_graphql(json.loads(body), result)
    web.add(result.media[0].url, b"\x00\x00\x00\x18ftypmp42video", content_type="video/mp4")
    web.add(result.media[0].hls_url, PLAYLIST, content_type="application/x-mpegURL")

    async def go() -> None:
        async with web.client() as client:
            await download_all(result, client, config)

    run(go())
    return result


def test_rows_and_artifacts(web: FakeWeb, config: PlatformConfig, tmp_path: Path) -> None:
    result = quote_result(web, config)
    capture_id = new_id("cap")
    rows = snapshot_rows(result, capture_id)
    snap = rows.snapshot
    assert snap.capture_id == capture_id and snap.platform == "twitter"
    assert (snap.post_id, snap.author_handle, snap.quoted_post_id) == (
        "1902059299591090335",
        "carrionkid",
        "1900793157786255768",
    )
    assert snap.metrics["views"] == 1223553
    assert snap.media[0]["sha256"] == hashlib.sha256(b"\x00\x00\x00\x18ftypmp42video").hexdigest()
    roles = [(a.role, a.name) for a in rows.artifacts]
    assert roles[0] == ("platform_response", "platform/01-twitter.graphql.json")
    assert ("post_json", "post.json") in roles
    assert ("media", "media/01-video.mp4") in roles
    playlist = next(a for a in rows.artifacts if a.name == "media/01-video.m3u8")
    assert playlist.role == "media_playlist" and playlist.data == PLAYLIST
    assert playlist.original_url == result.media[0].hls_url
    assert snap.media[0]["hls_sha256"] == hashlib.sha256(PLAYLIST).hexdigest()
    graphql = rows.artifacts[0]
    assert graphql.data == fixture_path("twitter-graphql", GRAPHQL).read_bytes()
    assert graphql.details["sha256"] == graphql.sha256
    (relation, quoted_snap, quoted) = rows.embedded[0]
    assert relation == "quoted" and quoted_snap.author_handle == "__itzt3z"
    assert quoted_snap.post_id == "1900793157786255768"
    document = json.loads(next(a for a in rows.artifacts if a.name == "post.json").data)
    assert document["quoted"]["author"]["handle"] == "__itzt3z"
    assert document["raw"][0]["sha256"] == graphql.sha256
    names = [a.name for a in rows.artifacts]
    assert len(names) == len(set(names))

    archive = Archive.open(tmp_path / "home")
    try:
        with archive.session() as session:
            now = utcnow()
            session.add(
                Capture(
                    id=capture_id,
                    requested_url=result.url,
                    status="complete",
                    started_at=now,
                    finished_at=now,
                    tool_version="test",
                )
            )
            session.flush()
            for spec in rows.artifacts:
                blob = archive.store_blob(session, spec.data)
                session.add(
                    Artifact(
                        id=new_id("art"),
                        capture_id=capture_id,
                        role=spec.role,
                        name=spec.name,
                        blob_sha256=blob.sha256,
                        size=spec.size,
                        media_type=spec.media_type,
                        original_url=spec.original_url,
                        details=spec.details,
                    )
                )
            session.add(rows.snapshot)
            session.add(quoted_snap)
        with archive.session() as session:
            stored = session.exec(
                select(PostSnapshot).where(PostSnapshot.capture_id == capture_id)
            ).all()
            assert sorted(s.post_id for s in stored) == [
                "1900793157786255768",
                "1902059299591090335",
            ]
            main = next(s for s in stored if s.post_id == "1902059299591090335")
            assert main.posted_at == result.posted_at
            artifacts = session.exec(
                select(Artifact).where(Artifact.capture_id == capture_id)
            ).all()
            assert len(artifacts) == len(rows.artifacts)
            for artifact in artifacts:
                assert archive.blobs.verify(artifact.blob_sha256)
    finally:
        archive.close()


def test_photo_artifacts_with_thumbnails_and_rejections(
    web: FakeWeb, config: PlatformConfig
) -> None:
    result = PlatformResult(
        platform="twitter", url="https://x.com/SpaceX/status/1848831595014459513"
    )
    body = json.loads(
        fixture_path(
            "twitter-graphql", "fxembed__TweetResultByRestId_1848831595014459513.json"
        ).read_text()
    )
    parse_graphql(body, result)
    image = Image.new("RGB", (300, 200), (5, 90, 200))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    good = out.getvalue()
    web.add(result.media[0].url, good, content_type="image/jpeg")
    web.add(result.media[1].url, good[:300], content_type="image/jpeg")

    async def go() -> None:
        async with web.client() as client:
            await download_all(result, client, config)

    run(go())
    rows = snapshot_rows(result, "cap_test")
    by_name = {a.name: a for a in rows.artifacts}
    photo = by_name["media/01-photo.jpg"]
    assert photo.data == good and photo.original_url == result.media[0].url
    assert photo.details["image"]["width"] == 300 and photo.details["image"]["format"] == "JPEG"
    thumb = by_name["media/01-photo.thumb.webp"]
    assert (
        thumb.role == "thumbnail" and thumb.details["of_sha256"] == hashlib.sha256(good).hexdigest()
    )
    broken = by_name["media/02-photo.jpg"]
    assert broken.details["rejected"].startswith("corrupt image")
    assert "media/02-photo.thumb.webp" not in by_name
    assert rows.snapshot.media[1]["error"].startswith("corrupt image")
    missing = by_name["media/03-photo.txt"]
    assert missing.details["status"] == 404 and missing.role == "media_error"
