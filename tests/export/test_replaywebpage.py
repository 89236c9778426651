"""ReplayWeb.page 2.5.3 (the npm build, served on 127.0.0.1) opens each exported WACZ in
Chromium: its page list holds exactly the pages that replay, each replays the text the capture's
rendered DOM had, and wabac.js records the signature check as a match; on a tampered copy it
records a mismatch. What its Archive Info panel shows is recorded as well: it counts the
signature as verified whether or not it matched, so a broken signature looks the same there, as
does py-wacz's unsigned WACZ. In the one mode where it hashes files, our hashes match and an
edited datapackage.json is caught (docs/export.md, "Replay in ReplayWeb.page").

The archive here is made through the real capture path: a test world page, the recorded
Telegram post page (whose script hands over to `tg://resolve?...`) and x.com's recorded
interstitial (which refreshes to `twitter.com/x/migrate?...`, mapped to a closed port, so that
hop gets no response)."""

import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser
from warcio.archiveiterator import ArchiveIterator

from archive.archive import Archive
from archive.export import export
from archive.provenance.seal import finish_writes
from collector.capture.store import build_rows, insert_rows, seal_rows, store_blobs
from tests.capture.conftest import EngineRunner, world_settings
from tests.export.checks import rewrite_zip_member, tampered, verify_json
from tests.export.conftest import Packages
from tests.export.replayweb import LoadedWacz, ReplayWebPage
from tests.provenance.tsa import LocalTsa
from tests.world.server import World

ENSURE = Path(__file__).resolve().parents[2] / "scripts" / "ensure_replayweb.py"
CLOSED_PORT = "127.0.0.1:1"
PANEL_UNTOUCHED = "1 hashes verified, 2 invalid"
"""What the panel shows for every WACZ, py-wacz's unsigned one included: the signature record
(counted as verified whatever its result) and pages.jsonl and index.cdx (or index.idx), counted
invalid because they are never hashed."""
PANEL_HASH_CHECK = "3 hashes verified, 1 invalid"
"""With hashing on: the signature, datapackage.json and pages.jsonl match; index.cdx stays
invalid (wabac.js stores its expected hash under "default" + path, looks it up by path)."""


@dataclass
class ReplayWorld:
    """The WACZ files served to ReplayWeb.page and what was captured."""

    folder: Path
    case_wacz: str
    source_wacz: str
    final_urls: dict[str, str | None]
    titles: dict[str, str | None]
    page_capture: str


@pytest.fixture(scope="module")
def replayweb_app() -> Path:
    """The unpacked ReplayWeb.page build (installed now if `make install` did not)."""
    done = subprocess.run(
        [sys.executable, str(ENSURE)], capture_output=True, text=True, timeout=900, check=False
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.fail(f"ReplayWeb.page 2.5.3 is needed and could not be installed: {reason}")
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def replay_world(
    tmp_path_factory: pytest.TempPathFactory, test_world: World, tsa: LocalTsa, packages: Packages
) -> ReplayWorld:
    """A case of three captures exported as a WACZ, beside the shared source WACZ (the
    browser and the archive are closed before the replay tests start)."""
    folder = tmp_path_factory.mktemp("replay")
    urls = {
        "page": test_world.http("/static/page.html?n=7"),
        "telegram": test_world.https("/chollometro/28542", "t.me"),
        "interstitial": test_world.https("/pepephone/status/436461658601713664", "x.com"),
    }
    # First match wins: the world serves twitter.com's migrate hop, this archive must not.
    rules = f"MAP twitter.com:443 {CLOSED_PORT}, {test_world.resolver_rules}"
    waczs = folder / "waczs"
    waczs.mkdir()
    ids, finals, titles = {}, {}, {}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EVIDENCE_TSA_URLS", f"{tsa.url}/tsa")
        env.setenv("EVIDENCE_TSA_CA_BUNDLE", str(tsa.bundle))
        archive = Archive.open(folder / "home")
        try:
            with archive.session() as session:
                case_id = archive.ensure_case(session, "Replay case").id
            runner = EngineRunner(world_settings(test_world, host_resolver_rules=rules))
            try:
                for label, url in urls.items():
                    result = runner.capture(url)
                    stored = store_blobs(archive, result)
                    rows = build_rows(archive, result, stored, case_id=case_id)
                    seal_rows(archive, rows)
                    ids[label] = insert_rows(archive, rows)
                    finals[ids[label]], titles[ids[label]] = result.final_url, result.title
            finally:
                runner.close()
            assert not finish_writes(archive).failed
            export(archive, case_id, "wacz", waczs / "case.wacz")
        finally:
            archive.close()
    shutil.copy(packages.wacz, waczs / "source.wacz")
    return ReplayWorld(waczs, "case.wacz", "source.wacz", finals, titles, ids["page"])


@pytest.fixture(scope="module")
def rwp(replayweb_app: Path, replay_world: ReplayWorld) -> Iterator[ReplayWebPage]:
    """ReplayWeb.page and the WACZ files on 127.0.0.1, and a headless Chromium."""
    app = ReplayWebPage(replayweb_app, replay_world.folder)
    yield app
    app.close()


def _member(wacz: Path, name: str) -> bytes:
    with zipfile.ZipFile(wacz) as zipped:
        return zipped.read(name)


def _pages(wacz: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _member(wacz, "pages/pages.jsonl").splitlines()[1:]]


def _resource_hash(wacz: Path, path: str) -> str:
    package = json.loads(_member(wacz, "datapackage.json"))
    return next(r["hash"] for r in package["resources"] if r["path"] == path)


def _response_dates(warc: bytes, url: str) -> list[str]:
    """WARC-Date of every response record for `url`, read with warcio alone."""
    return [
        str(record.rec_headers.get_header("WARC-Date"))
        for record in ArchiveIterator(io.BytesIO(warc))
        if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == url
    ]


def _ts14(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%Y%m%d%H%M%S")


def test_pages_list_only_captures_whose_final_url_replays(replay_world: ReplayWorld) -> None:
    wacz = replay_world.folder / replay_world.case_wacz
    finals = replay_world.final_urls
    left_out = [c for c in finals if c != replay_world.page_capture]
    assert sorted(str(finals[c])[:5] for c in left_out) == ["https", "tg://"]
    assert any("twitter.com/x/migrate" in str(finals[c]) for c in left_out)
    pages = _pages(wacz)
    assert [p["id"] for p in pages] == [replay_world.page_capture]
    page = pages[0]
    assert page["url"] == finals[replay_world.page_capture]
    assert page["title"] == replay_world.titles[replay_world.page_capture]
    warc_name = next(
        n for n in zipfile.ZipFile(wacz).namelist() if n.startswith(f"archive/{page['id']}")
    )
    assert page["ts"] == _response_dates(_member(wacz, warc_name), page["url"])[0]
    index = json.loads(_member(wacz, "provenance/package.json"))["wacz_pages"]
    assert sorted(index["without_page"]) == sorted(left_out)
    for capture in left_out:
        assert str(finals[capture]) in index["without_page"][capture]
    package = json.loads(_member(wacz, "datapackage.json"))
    assert (package["mainPageURL"], package["mainPageDate"]) == (page["url"], page["ts"])


def _check_loaded(loaded: LoadedWacz, wacz: Path) -> dict[str, dict[str, Any]]:
    """The page list, each page's replay and the signature record of an untouched WACZ."""
    pages = _pages(wacz)
    listed = loaded.page_titles(len(pages))
    for page in pages:
        assert any(page["title"] in entry and page["url"] in entry for entry in listed), listed
    records = loaded.verification()
    assert records["signature"] == {"id": "signature", "expected": True, "matched": True}
    digest = json.loads(_member(wacz, "datapackage-digest.json"))
    assert records["datapackageHash"]["expected"] == digest["hash"]
    assert records["publicKey"]["expected"] == digest["signedData"]["publicKey"]
    for page in pages:
        dom = LexborHTMLParser(_member(wacz, f"captures/{page['id']}-dom.html")).body
        assert dom is not None
        seen = dom.text(separator=" ").split()
        replayed = loaded.replay(page["url"], _ts14(page["ts"]), seen.__eq__)
        assert f"/{_ts14(page['ts'])}mp_/{page['url']}" in replayed.frame_url
        assert replayed.title == page["title"]
        assert replayed.words == seen, "the text the capture's rendered DOM had"
    return records


@pytest.mark.parametrize("which", ["case_wacz", "source_wacz"])
def test_replaywebpage_replays_the_pages_and_matches_the_signature(
    rwp: ReplayWebPage, replay_world: ReplayWorld, which: str
) -> None:
    name = getattr(replay_world, which)
    wacz = replay_world.folder / name
    loaded = rwp.open(name)
    records = _check_loaded(loaded, wacz)
    for path in ("pages/pages.jsonl", "indexes/index.cdx"):
        expected = _resource_hash(wacz, path)
        assert expected == "sha256:" + hashlib.sha256(_member(wacz, path)).hexdigest()
        record = records[f"default{path}"]  # wabac.js prefixes the WACZ's name, "default"
        assert (record["expected"], record["matched"]) == (expected, False), "never hashed"
    assert loaded.validation_panel() == PANEL_UNTOUCHED


def _resigned(source: Path, target: Path) -> None:
    """A copy whose digest signature is one bit off (still valid base64 of 96 bytes)."""
    digest = json.loads(_member(source, "datapackage-digest.json"))
    raw = bytearray(base64.b64decode(digest["signedData"]["signature"]))
    raw[10] ^= 0x01
    digest["signedData"]["signature"] = base64.b64encode(bytes(raw)).decode()
    rewrite_zip_member(source, target, "datapackage-digest.json", json.dumps(digest).encode())


def test_broken_signature_is_recorded_as_a_mismatch_not_shown(
    rwp: ReplayWebPage, replay_world: ReplayWorld
) -> None:
    source = replay_world.folder / replay_world.case_wacz
    _resigned(source, replay_world.folder / "broken-signature.wacz")
    loaded = rwp.open("broken-signature.wacz")
    assert loaded.verification()["signature"] == {
        "id": "signature", "expected": True, "matched": False,
    }  # fmt: skip
    assert loaded.validation_panel() == PANEL_UNTOUCHED, "the panel cannot show it"
    code, report = verify_json(replay_world.folder / "broken-signature.wacz")
    assert code == 1
    assert ("datapackage-digest.json", "wacz-auth anonymous signature") in {
        (subject, check) for subject, check, _, _ in tampered(report)
    }


def test_edited_datapackage_still_matches_in_replaywebpage(
    rwp: ReplayWebPage, replay_world: ReplayWorld
) -> None:
    """ReplayWeb.page's signature check covers the hash string in datapackage-digest.json,
    and with its default settings it never hashes datapackage.json against it."""
    source = replay_world.folder / replay_world.case_wacz
    package = json.loads(_member(source, "datapackage.json"))
    package["title"] = "edited after signing"
    edited = replay_world.folder / "edited-datapackage.wacz"
    rewrite_zip_member(source, edited, "datapackage.json", json.dumps(package).encode())
    loaded = rwp.open(edited.name)
    assert loaded.verification()["signature"]["matched"] is True
    code, report = verify_json(edited)
    assert code == 1
    assert any(subject == "datapackage-digest.json" for subject, _, _, _ in tampered(report))


def test_unsigned_pywacz_wacz_shows_the_same_panel(
    rwp: ReplayWebPage, replay_world: ReplayWorld, tmp_path: Path
) -> None:
    """The panel line is not about this package: py-wacz's own WACZ of the same WARC, which
    has no signature at all, reads the same."""
    source = replay_world.folder / replay_world.case_wacz
    warc_name = next(
        n for n in zipfile.ZipFile(source).namelist()
        if n.startswith(f"archive/{replay_world.page_capture}")
    )  # fmt: skip
    warc = tmp_path / Path(warc_name).name
    warc.write_bytes(_member(source, warc_name))
    made = replay_world.folder / "py-wacz.wacz"
    subprocess.run(
        [str(Path(sys.executable).with_name("wacz")), "create", "-o", str(made),
         "--detect-pages", str(warc)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert "signedData" not in json.loads(_member(made, "datapackage-digest.json"))
    loaded = rwp.open(made.name)
    assert loaded.verification()["signature"] == {
        "id": "signature", "expected": "", "matched": False,
    }  # fmt: skip
    assert loaded.validation_panel() == PANEL_UNTOUCHED


def test_with_hash_checking_on_our_hashes_match(
    rwp: ReplayWebPage, replay_world: ReplayWorld
) -> None:
    """Where ReplayWeb.page does hash (the app's embed mode with the service worker started
    with useHashCheck=1), datapackage.json and pages.jsonl match the hashes we wrote; an edited
    datapackage.json is then caught."""
    wacz = replay_world.folder / replay_world.case_wacz
    loaded = rwp.open(wacz.name, hash_check=True)
    records = _check_loaded(loaded, wacz)
    assert records["defaultdatapackage.json"]["matched"] is True
    assert records["defaultpages/pages.jsonl"] == {
        "id": "defaultpages/pages.jsonl",
        "expected": _resource_hash(wacz, "pages/pages.jsonl"),
        "matched": True,
    }
    assert records["defaultindexes/index.cdx"]["matched"] is False, "wabac.js's lookup"
    assert loaded.validation_panel() == PANEL_HASH_CHECK
    package = json.loads(_member(wacz, "datapackage.json"))
    package["title"] = "edited after signing"
    edited = replay_world.folder / "edited-hash-check.wacz"
    rewrite_zip_member(wacz, edited, "datapackage.json", json.dumps(package).encode())
    caught = rwp.open(edited.name, hash_check=True).verification("defaultdatapackage.json")
    assert caught["defaultdatapackage.json"]["matched"] is False
