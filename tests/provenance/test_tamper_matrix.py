"""Every insert, delete and edit of an evidence row or column makes `verify` exit 1 and name
the record, on SQLite and on PostgreSQL (see `tamper_matrix` for how cases are made)."""

import json
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

from archive.archive import Archive
from archive.blobstore import LocalBlobStore
from archive.config import load_settings
from archive.errors import EvidenceError
from archive.export import export
from archive.export.package_verify import verify_package
from archive.provenance import checkpoint_file
from archive.provenance.findings import TAMPERED, Finding
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


def test_tamper_matrix_package(tmp_path: Path, tsa_env: LocalTsa) -> None:
    """Every matrix case on a row an export of the capture carries, made before exporting:
    the package verifier must name the record too."""
    home = tmp_path / "home"
    with Archive.open(home) as archive:
        capture_id = tamper_matrix.populate(archive)
        with archive.engine.connect() as connection:
            all_cases = tamper_matrix.cases(connection)
    world = home / "evidence.db"
    kept = checkpoint_file.path_in(home).read_text()
    trust = TrustStore.from_pem_file(tsa_env.bundle)

    def package_of(url: str, name: str) -> list[Finding]:
        checkpoint_file.write_note(checkpoint_file.path_in(home), kept)  # as the world had it
        with _opened(home, url) as archive:
            export(archive, capture_id, "bagit", tmp_path / name)
        return verify_package(tmp_path / name, trust)

    pristine = package_of(f"sqlite:///{world}", "pristine.zip")
    assert [f for f in pristine if f.status == TAMPERED] == []
    assert any(f.check == "bound into the custody log" for f in pristine)
    carried = _carried_ids(tmp_path / "pristine.zip")
    in_package = [c for c in all_cases if c.row_id in carried]
    assert {c.table for c in in_package} == {"capture", "artifact", "post_snapshot",
                                             "timestamp_token"}  # fmt: skip
    missed: list[str] = []
    not_carried: list[str] = []
    for number, case in enumerate(in_package):
        copy = tmp_path / f"case-{number}.db"
        shutil.copyfile(world, copy)
        engine = create_engine(f"sqlite:///{copy}")
        with engine.begin() as connection:
            tamper_matrix.apply(connection, case)
        engine.dispose()
        try:
            findings = package_of(f"sqlite:///{copy}", f"case-{number}.zip")
        except EvidenceError:
            continue  # the export refused the tampered archive: nothing false left the archive
        forged = case.row_id + tamper_matrix.FORGED_ID_SUFFIX
        if case.action == "insert" and forged not in _carried_ids(tmp_path / f"case-{number}.zip"):
            not_carried.append(case.name)  # this export does not carry the forged row
        elif not any(f.status == TAMPERED and any(i in f.subject for i in case.named_ids)
                     for f in findings):  # fmt: skip
            missed.append(case.name)
        copy.unlink()
    cases = len(in_package) - len(not_carried)
    print(f"package tamper matrix: {cases - len(missed)} of {cases} caught "
          f"(and {len(not_carried)} inserted rows this export does not carry)")  # fmt: skip
    assert missed == []


def _carried_ids(package: Path) -> set[str]:
    with zipfile.ZipFile(package) as bag:
        name = next(n for n in bag.namelist() if n.endswith("records.jsonl"))
        lines = bag.read(name).decode().splitlines()
    return {json.loads(line)["row"]["id"] for line in lines}
