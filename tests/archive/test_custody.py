"""The custody chain: append-only rows, tamper detection, serialized appends."""

import sqlite3
import threading

import pytest
from sqlalchemy.exc import DatabaseError

from archive.archive import Archive
from archive.custody import GENESIS_HASH, check_chain, head
from archive.models import EVIDENCE_TABLES


def _db(archive: Archive) -> sqlite3.Connection:
    return sqlite3.connect(archive.home / "evidence.db")


def test_events_chain_from_genesis(archive: Archive) -> None:
    with archive.session() as session:
        for n in range(5):
            archive.record(session, "test.event", "thing", f"t{n}", {"n": n})
    with archive.session() as session:
        assert check_chain(session) == []
        last = head(session)
        assert last.seq == 6
        assert last.occurred_at.microsecond or last.occurred_at.tzinfo is not None
    first = _db(archive).execute("SELECT prev_hash FROM custody_event WHERE seq = 1").fetchone()
    assert first[0] == GENESIS_HASH


@pytest.mark.parametrize("table", list(EVIDENCE_TABLES))
def test_evidence_rows_refuse_update_and_delete(
    archive: Archive, populated: dict[str, str], table: str
) -> None:
    connection = _db(archive)
    for statement in (f'UPDATE "{table}" SET rowid = rowid', f'DELETE FROM "{table}"'):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute(statement)


def test_orm_update_is_refused(archive: Archive) -> None:
    with archive.session() as session:
        event = archive.record(session, "test.event", "thing", "x", {})
    with pytest.raises(DatabaseError, match="append-only"), archive.session() as session:
        row = session.merge(event)
        row.actor = "mallory"
        session.flush()


def _tamper(archive: Archive, *statements: str) -> None:
    """Edit the log the way an attacker with file access would: drop the triggers first."""
    connection = _db(archive)
    connection.execute("DROP TRIGGER custody_event_no_update")
    connection.execute("DROP TRIGGER custody_event_no_delete")
    for statement in statements:
        connection.execute(statement)
    connection.commit()


def _problems(archive: Archive) -> set[tuple[int, str]]:
    with archive.session() as session:
        return {(p.seq, p.check) for p in check_chain(session)}


@pytest.fixture
def logged(archive: Archive) -> Archive:
    with archive.session() as session:
        for n in range(4):
            archive.record(session, "test.event", "thing", f"t{n}", {"n": n})
    return archive


def test_edited_payload_is_detected(logged: Archive) -> None:
    _tamper(logged, "UPDATE custody_event SET payload = '{\"n\": 99}' WHERE seq = 3")
    assert (3, "payload hash") in _problems(logged)


def test_edited_actor_is_detected(logged: Archive) -> None:
    _tamper(logged, "UPDATE custody_event SET actor = 'mallory' WHERE seq = 2")
    assert _problems(logged) == {(2, "entry hash")}


def test_deleted_event_is_detected(logged: Archive) -> None:
    _tamper(logged, "DELETE FROM custody_event WHERE seq = 3")
    assert {(4, "sequence"), (4, "previous hash")} <= _problems(logged)


def test_removed_tail_is_not_detectable_by_chain_alone(logged: Archive) -> None:
    """Truncation keeps the chain valid: why issue 6 adds externally published checkpoints."""
    _tamper(logged, "DELETE FROM custody_event WHERE seq = 5")
    assert _problems(logged) == set()


def test_concurrent_appends_stay_a_single_chain(archive: Archive) -> None:
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for n in range(15):
                with archive.session() as session:
                    archive.record(session, "test.event", "writer", name, {"n": n})
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    with archive.session() as session:
        assert check_chain(session) == []
        assert head(session).seq == 61
