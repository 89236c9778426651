"""The packages pass their formats' own checkers: `wacz validate`, pywb replay of the WACZ,
`bagit.py --validate`; the bag's PREMIS describes every artifact and custody event."""

import json
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from tests.export.conftest import ExportWorld, Packages
from tests.world.server import free_port

PREMIS = "{http://www.loc.gov/premis/v3}"
COLLECTION = "exported"


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def test_wacz_validate(packages: Packages) -> None:
    done = subprocess.run(
        [_tool("wacz"), "validate", "-f", str(packages.wacz)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation succeeded" in done.stdout
    assert "Version detected as 1.1.1" in done.stdout


def test_wacz_contents(packages: Packages, export_world: ExportWorld) -> None:
    with zipfile.ZipFile(packages.wacz) as zipped:
        names = zipped.namelist()
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zipped.infolist())
        pages = [json.loads(line) for line in zipped.read("pages/pages.jsonl").splitlines()]
        index = zipped.read("indexes/index.cdx").decode()
        package = json.loads(zipped.read("datapackage.json"))
        digest = json.loads(zipped.read("datapackage-digest.json"))
    assert pages[0]["format"] == "json-pages-1.0"
    assert sorted(p["url"] for p in pages[1:]) == sorted(export_world.urls)
    assert sum(n.startswith("archive/") and n.endswith(".warc.gz") for n in names) == 2
    first = export_world.capture_ids[0]
    assert f"captures/{first}-media_01-photo.png" in names, "nested names flattened"
    assert max(n.count("/") for n in names) == 1, "one folder deep, as py-wacz validates"
    for line in index.splitlines():
        assert json.loads(line.split(" ", 2)[2])["filename"] in {n[8:] for n in names}
    assert {r["path"] for r in package["resources"]} == set(names) - {
        "datapackage.json", "datapackage-digest.json",
    }  # fmt: skip
    assert set(digest["signedData"]) == {
        "hash", "created", "software", "version", "signature", "publicKey",
    }  # fmt: skip
    assert digest["signedData"]["created"] == package["created"]


@pytest.fixture
def pywb(tmp_path: Path, packages: Packages) -> Iterator[int]:
    """pywb serving a collection made from the WACZ (`wb-manager add --unpack-wacz`)."""
    subprocess.run([_tool("wb-manager"), "init", COLLECTION], cwd=tmp_path, check=True, timeout=60)
    subprocess.run(
        [_tool("wb-manager"), "add", "--unpack-wacz", COLLECTION, str(packages.wacz)],
        cwd=tmp_path, check=True, timeout=60,
    )  # fmt: skip
    (tmp_path / "config.yaml").write_text("framed_replay: false\n")
    port = free_port()
    process = subprocess.Popen(
        [_tool("wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("pywb did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_pywb_replays_pages_from_the_wacz(pywb: int, export_world: ExportWorld) -> None:
    for url in export_world.urls:
        replay = httpx.get(f"http://127.0.0.1:{pywb}/{COLLECTION}/id_/{url}", timeout=30)
        assert replay.status_code == 200, url
        assert replay.headers.get("memento-datetime"), "served from the archive, as a memento"
        assert replay.content == httpx.get(url, timeout=30).content, "the recorded body"
        assert b"<title>" in replay.content
    missing = httpx.get(
        f"http://127.0.0.1:{pywb}/{COLLECTION}/id_/http://not.captured/", timeout=30
    )
    assert missing.status_code == 404


def test_bagit_validate(packages: Packages) -> None:
    done = subprocess.run(
        [_tool("bagit.py"), "--validate", str(packages.bag)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "is valid" in done.stderr
    info = (packages.bag / "bag-info.txt").read_text()
    assert "Payload-Oxum" in info and "Key-Fingerprint" in info
    assert (packages.bag / "manifest-sha512.txt").is_file()


def test_zipped_bag_validates_after_unzipping(packages: Packages, tmp_path: Path) -> None:
    with zipfile.ZipFile(packages.zipped_bag) as zipped:
        zipped.extractall(tmp_path)
    (folder,) = list(tmp_path.iterdir())
    done = subprocess.run(
        [_tool("bagit.py"), "--validate", str(folder)], capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_premis_describes_artifacts_events_agents(packages: Packages) -> None:
    index = json.loads((packages.bag / "data/provenance/package.json").read_text())
    tree = etree.parse(str(packages.bag / "data/provenance/premis.xml"))
    root = tree.getroot()
    assert root.tag == f"{PREMIS}premis" and root.get("version") == "3.0"
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}type"
    files = [o for o in root.iter(f"{PREMIS}object") if o.get(xsi) == "premis:file"]
    reps = [o for o in root.iter(f"{PREMIS}object") if o.get(xsi) == "premis:representation"]
    assert len(reps) == len(index["captures"])
    assert len(files) == sum(len(c["artifacts"]) for c in index["captures"])
    for capture in index["captures"]:
        for name, path in capture["artifacts"].items():
            (obj,) = [
                o for o in files
                if o.findtext(f"{PREMIS}objectIdentifier/{PREMIS}objectIdentifierValue")
                == f"{capture['id']}/{name}"
            ]  # fmt: skip
            digests = {
                f.findtext(f"{PREMIS}messageDigestAlgorithm"): f.findtext(f"{PREMIS}messageDigest")
                for f in obj.iter(f"{PREMIS}fixity")
            }
            manifest_line = next(
                line for line in (packages.bag / "manifest-sha256.txt").read_text().splitlines()
                if line.endswith(f" {path}")
            )  # fmt: skip
            assert digests["SHA-256"] == manifest_line.split()[0]
            assert len(digests["SHA-512"]) == 128
            assert obj.findtext(f"{PREMIS}storage//{PREMIS}contentLocationValue") == path
    events = list(root.iter(f"{PREMIS}event"))
    custody = (packages.bag / index["custody"]).read_text().splitlines()
    assert len(events) == len(custody)
    actions = {e.findtext(f"{PREMIS}eventType") for e in events}
    assert {"capture.recorded", "key.created", "timestamp.recorded"} <= actions
    agents = {a.findtext(f"{PREMIS}agentType") for a in root.iter(f"{PREMIS}agent")}
    assert agents == {"person", "software"}
    signed = [s for s in root.iter(f"{PREMIS}signature")]
    assert len(signed) == len(index["captures"])
