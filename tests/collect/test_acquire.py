"""A post URL end to end: browser capture + platform data, stored, sealed and verifiable."""

import asyncio
import io
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from archive.archive import Archive
from archive.models import Artifact, PostSnapshot
from archive.provenance.verify import verify_archive
from collector.capture.settings import CaptureSettings
from collector.collect import acquire
from collector.collect.acquire import Acquisition
from collector.collect.record import save_acquisition
from collector.collect.stack import capture_stack
from collector.platforms.config import PlatformConfig
from collector.platforms.registry import adapter_for
from tests.world.server import World

pytestmark = pytest.mark.browser


def _settings(world: World) -> CaptureSettings:
    return CaptureSettings(
        allow_private=True,
        host_resolver_rules=world.resolver_rules,
        extra_ca_file=str(world.ca_file),
        timeout_s=20.0,
    )


def _acquire(world: World, urls: list[str]) -> list[Acquisition]:
    settings = _settings(world)

    async def run() -> list[Acquisition]:
        async with capture_stack(settings, PlatformConfig.load(env={})) as stack:
            return [await stack.acquirer.acquire(url) for url in urls]

    return asyncio.run(run())


def test_post_and_link_are_captured_with_their_data(test_world: World, tmp_path: Path) -> None:
    post_url = "https://x.com/UaSmart/status/934106870834454529"
    link_url = "https://www.example.test/news/volunteers.html"
    post, link = _acquire(test_world, [post_url, link_url])

    # its recorded x.com page is X's script-driven shell, drawn by the world's stand-in for
    # X's client from the page's recorded metadata (tests/world/sites.py)
    assert post.capture.status == "complete", post.capture.status_reason
    assert post.capture.details["page_verdict"]["verdict"] == "page"
    assert link.capture.status == "complete", link.capture.status_reason
    assert post.platform is not None
    assert post.platform.post_id == "934106870834454529"
    assert post.platform.author_handle == "UaSmart"
    assert post.platform.text.startswith("Y terminamos el dia con Cultura de empresa")
    assert link.platform is not None and link.platform.platform == "generic"
    assert link.platform.author_name == "Demo Desk"

    with Archive.open(tmp_path) as archive:
        saved = save_acquisition(archive, post)
        save_acquisition(archive, link)
        with archive.session() as session:
            names = {
                a.name: a.role
                for a in session.exec(
                    select(Artifact).where(Artifact.capture_id == saved.capture_id)
                )
            }
            snapshot = session.exec(
                select(PostSnapshot).where(PostSnapshot.capture_id == saved.capture_id)
            ).one()
        assert names["screenshot-full.png"] == "screenshot-full"
        assert names["post.json"] == "post_json"
        assert names["manifest.json"] == "manifest"
        assert any(role == "platform_response" for role in names.values())
        assert snapshot.author_handle == "UaSmart"
        assert saved.manifest_sha256 and saved.post["post_id"] == "934106870834454529"
        findings = verify_archive(archive)
        assert [f for f in findings if f.status == "tampered"] == []


def test_failing_adapter_keeps_the_browser_capture(test_world: World, tmp_path: Path) -> None:
    """oEmbed-only post: its x.com page is the migrate interstitial, its data comes from oEmbed."""
    (post,) = _acquire(test_world, ["https://x.com/bpoweski/status/71633762"])
    assert post.platform is not None
    assert post.platform.author_handle == "bpoweski"
    assert post.platform.text == "working on my Ruby Security book"
    assert post.platform.source and "oembed" in post.platform.source
    assert post.capture.status in {"complete", "partial", "failed"}
    with Archive.open(tmp_path) as archive:
        saved = save_acquisition(archive, post)
        assert saved.post["availability"] == "available"


def test_platform_answers_are_in_the_capture_warc(test_world: World) -> None:
    """The adapter's requests go through the capture's recorder: same WARC as the page."""
    from warcio.archiveiterator import ArchiveIterator

    (post,) = _acquire(test_world, ["https://x.com/RailsGirlsSoC/status/702136612822634496"])
    warc = next(a for a in post.capture.artifacts if a.role == "warc")
    responses, by_adapter = {}, set()
    for record in ArchiveIterator(io.BytesIO(warc.data)):
        if record.rec_type == "response":
            uri = record.rec_headers.get_header("WARC-Target-URI").split("?")[0]
            adapter = record.rec_headers.get_header("WARC-Evidence-Requested-By")
            if adapter == "platform-adapter":
                by_adapter.add(uri)
            # the page asks oEmbed too (the world's stand-in for X's client draws from it)
            if adapter == "platform-adapter" or uri not in responses:
                responses[uri] = record.content_stream().read()
    assert "https://publish.twitter.com/oembed" in by_adapter
    assert "https://x.com/RailsGirlsSoC/status/702136612822634496" not in by_adapter
    assert responses["https://cdn.syndication.twimg.com/tweet-result"] == (
        b"not recorded in this offline world"
    )
    oembed = responses["https://publish.twitter.com/oembed"]
    raw = next(r for r in post.platform.raw if r.name == "twitter.oembed")
    assert oembed == raw.body, "the WARC holds exactly the bytes the adapter parsed"
    resolutions = post.platform.extra["link_resolutions"]
    assert [r["url"] for r in resolutions] == [
        "https://t.co/R8Jg36xaQx",
        "https://t.co/mIwKR0fzGR",
    ]
    assert all("chain" in r or "error" in r for r in resolutions)


def test_the_page_does_not_wait_for_yt_dlp_to_choose(
    test_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No site module takes the URL, so yt-dlp's extractors decide (0.3 s to import cold):
    the page capture starts meanwhile, and the answer (here: generic) is still used."""
    chosen: list[datetime] = []

    def slow_choice(url: str, config: PlatformConfig) -> object:
        time.sleep(1.0)
        chosen.append(datetime.now(UTC))
        return adapter_for(url, config)

    monkeypatch.setattr(acquire, "adapter_for", slow_choice)
    (link,) = _acquire(test_world, ["https://www.example.test/news/volunteers.html"])
    assert link.capture.status == "complete", link.capture.status_reason
    assert link.capture.started_at < chosen[0]
    assert link.platform is not None and link.platform.author_name == "Demo Desk"
