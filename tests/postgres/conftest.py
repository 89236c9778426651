"""A real PostgreSQL for the tests in this folder, started once per session."""

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer, find_bin_dir

_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries not installed (apt-get install postgresql)")
    with tempfile.TemporaryDirectory(prefix="evidence-pg-") as tmp:
        Path(tmp).chmod(0o755)
        server = PostgresServer(Path(tmp) / "pg", bin_dir).start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def pg_url(postgres: PostgresServer) -> str:
    """A fresh empty database per test."""
    return postgres.create_database(f"t{next(_counter)}")
