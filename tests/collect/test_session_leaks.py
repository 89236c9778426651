"""Every byte of the home and of every export is searched for the session's secrets after a
capture made logged in: none is found; `verify` passes; the sealed original decrypts with the
archive's key to the bytes its recorded SHA-256 names, and is packed only on request."""

import gzip
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.archive import Archive
from archive.export import export
from archive.export.package_verify import verify_package
from archive.provenance.seal import finish_writes
from archive.provenance.sealing import SEALED_ROLE, load_seal_private_key, seal_public_key, unseal
from archive.provenance.verify import verify_archive
from collector.capture.session import session_from_state
from collector.capture.store import build_rows, insert_rows, seal_rows, store_blobs
from tests.capture.conftest import EngineRunner, world_settings
from tests.provenance.conftest import tsa, tsa_env  # noqa: F401
from tests.sessions.leaks import leaks
from tests.world import loginsite
from tests.world.server import World

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def runner(test_world: World) -> Iterator[EngineRunner]:
    engine = EngineRunner(world_settings(test_world))
    yield engine
    engine.close()


def test_no_secret_in_home_or_exports(
    runner: EngineRunner,
    test_world: World,
    tmp_path: Path,
    tsa_env,  # noqa: F811
):
    home = tmp_path / "home"
    archive = Archive.open(home)
    try:
        login = test_world.login.log_in()
        before = len(test_world.login.rotated)
        state = test_world.login.storage_state(login)
        session = session_from_state("sock", state, loginsite.HANDLE, seal_public_key(home))
        result = runner.call(
            runner.engine.capture(f"https://{loginsite.HOST}/members", session=session)
        )
        assert result.status == "complete", result.status_reason
        secrets = set(login.secrets) | set(test_world.login.rotated[before:])
        rows = build_rows(archive, result, store_blobs(archive, result))
        seal_rows(archive, rows)
        capture_id = insert_rows(archive, rows)
        assert not finish_writes(archive).failed
        assert [f for f in verify_archive(archive) if f.status == "tampered"] == []
        exports = tmp_path / "exports"
        exports.mkdir()
        for fmt, name in (("wacz", "c.wacz"), ("bagit", "c.zip"), ("report", "c.html")):
            export(archive, capture_id, fmt, exports / name)
        sealed_package = tmp_path / "sealed" / "c.wacz"
        sealed_package.parent.mkdir()
        export(archive, capture_id, "wacz", sealed_package, include_sealed=True)
        assert any(a["role"] == SEALED_ROLE for a in rows.artifacts)
    finally:
        archive.close()
    assert leaks(home, secrets) == []
    assert leaks(exports, secrets) == []
    assert leaks(sealed_package.parent, secrets) == []  # still encrypted inside
    for package in (exports / "c.wacz", exports / "c.zip", sealed_package):
        assert [f for f in verify_package(package) if f.status == "tampered"] == [], package
    with zipfile.ZipFile(exports / "c.wacz") as plain, zipfile.ZipFile(sealed_package) as full:
        assert not any(n.endswith(".sealed") for n in plain.namelist())
        sealed_names = [n for n in full.namelist() if n.endswith(".warc.gz.sealed")]
        assert len(sealed_names) == 1
        sealed_bytes = full.read(sealed_names[0])
    original = io.BytesIO()
    digest = unseal(io.BytesIO(sealed_bytes), load_seal_private_key(home), original)
    assert digest == result.details["sealed_original"]["sha256"]
    assert all(s.encode() in gzip.decompress(original.getvalue()) for s in secrets)
