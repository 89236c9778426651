"""Every insert, delete and edit of an evidence row or column makes `verify` exit 1 and name
the record, on SQLite and on PostgreSQL (see `tamper_matrix` for how cases are made)."""

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

from archive.archive import Archive
from archive.blobstore import LocalBlobStore
from archive.config import load_settings
from archive.provenance.findings import TAMPERED
from archive.provenance.timestamps import TrustStore
from archive.provenance.verify import verify_archive
from tests.postgres.conftest import postgres  # noqa: F401  (the session's server)
from tests.provenance import tamper_matrix
from tests.provenance.tamper_matrix import Case
from tests.provenance.tsa import LocalTsa
from tests.support.postgres import PostgresServer

FIGURE_FILE = "tamper-matrix.json"


def _caught(archive: Archive, case: Case, trust: TrustStore) -> bool:
    findings = verify_archive(archive, trust)
    return any(
        f.status == TAMPERED and any(i in f.subject for i in case.named_ids) for f in findings
    )


def _opened(home: Path, url: str) -> Archive:
    settings = load_settings(home, {"database_url": url})
    return Archive(settings, LocalBlobStore(home / "blobs"))


def run_matrix(
    home: Path, copy_of: Callable[[int], Iterator[str]], trust: TrustStore, report: Path
) -> tuple[int, int, list[str]]:
    """Apply every case to its own copy of the world database; (caught, cases, missed)."""
    missed: list[str] = []
    with _opened(home, next(copy_of(-1))) as world:
        assert not [f for f in verify_archive(world, trust) if f.status == TAMPERED]
        with world.engine.connect() as connection:
            all_cases = tamper_matrix.cases(connection)
    for number, case in enumerate(all_cases):
        for url in copy_of(number):
            engine = create_engine(url)
            with engine.begin() as connection:
                tamper_matrix.apply(connection, case)
            engine.dispose()
            with _opened(home, url) as archive:
                if not _caught(archive, case, trust):
                    missed.append(case.name)
    caught = len(all_cases) - len(missed)
    report.write_text(json.dumps({"caught": caught, "cases": len(all_cases), "missed": missed}))
    print(f"tamper matrix: {caught} of {len(all_cases)} cases caught")
    return caught, len(all_cases), missed


def test_tamper_matrix_sqlite(tmp_path: Path, tsa_env: LocalTsa) -> None:
    home = tmp_path / "home"
    with Archive.open(home) as archive:
        tamper_matrix.populate(archive)
    world = home / "evidence.db"

    def copy_of(number: int) -> Iterator[str]:
        if number < 0:
            yield f"sqlite:///{world}"
            return
        copy = tmp_path / f"case-{number}.db"
        shutil.copyfile(world, copy)
        yield f"sqlite:///{copy}"
        copy.unlink()

    trust = TrustStore.from_pem_file(tsa_env.bundle)
    caught, total, missed = run_matrix(home, copy_of, trust, tmp_path / FIGURE_FILE)
    assert missed == [] and caught == total > 100


def test_tamper_matrix_postgres(
    tmp_path: Path,
    tsa_env: LocalTsa,
    postgres: PostgresServer,  # noqa: F811
) -> None:
    world_url = postgres.create_database("matrix_world")
    home = tmp_path / "home"
    with Archive.open(home, {"database_url": world_url}) as archive:
        tamper_matrix.populate(archive)
    admin = create_engine(postgres.url, isolation_level="AUTOCOMMIT")

    def copy_of(number: int) -> Iterator[str]:
        if number < 0:
            yield world_url
            return
        name = f"matrix_case_{number}"
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE matrix_world"))
        yield world_url.rsplit("/", 1)[0] + f"/{name}"
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name}"))

    trust = TrustStore.from_pem_file(tsa_env.bundle)
    try:
        caught, total, missed = run_matrix(home, copy_of, trust, tmp_path / FIGURE_FILE)
    finally:
        admin.dispose()
    assert missed == [] and caught == total > 100
