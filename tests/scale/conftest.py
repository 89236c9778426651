"""A real PostgreSQL (the fixtures of tests/postgres) and a moto S3 server, once per session."""

import itertools
from collections.abc import Iterator

import pytest

from tests.postgres.conftest import pg_url, postgres
from tests.support.s3 import MotoServer

__all__ = ["bucket", "moto", "pg_url", "postgres"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bucket(moto: MotoServer) -> str:
    """A fresh empty bucket per test."""
    return moto.create_bucket(f"evidence-{next(_counter)}")
