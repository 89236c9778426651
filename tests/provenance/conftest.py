"""Fixtures for provenance tests: a test TSA (session-wide) and archives with sealed captures."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.archive import Archive
from tests.provenance.sealing import SealedArchive, seal_sample_captures
from tests.provenance.tsa import LocalTsa, build_pki, start_tsa


@pytest.fixture(scope="session")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    """A running RFC 3161 TSA on 127.0.0.1 backed by `openssl ts -reply`."""
    pki = tmp_path_factory.mktemp("pki")
    build_pki(pki)
    running = start_tsa(pki)
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def tsa_env(tsa: LocalTsa, monkeypatch: pytest.MonkeyPatch) -> LocalTsa:
    """EVIDENCE_TSA_URLS and EVIDENCE_TSA_CA_BUNDLE pointing at the test TSA."""
    monkeypatch.setenv("EVIDENCE_TSA_URLS", f"{tsa.url}/tsa")
    monkeypatch.setenv("EVIDENCE_TSA_CA_BUNDLE", str(tsa.bundle))
    return tsa


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    """An empty archive in a new home."""
    opened = Archive.open(tmp_path / "home")
    yield opened
    opened.close()


@pytest.fixture
def sealed(archive: Archive, tsa_env: LocalTsa) -> SealedArchive:
    """Two sealed captures, a checkpoint and timestamp tokens for both manifests and it."""
    return seal_sample_captures(archive)
