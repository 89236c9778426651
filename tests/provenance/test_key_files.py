"""Key files written by several threads of one process at once (`keys.write_key_files`): the
first saves of a batch on a new home each ask for the archive's keys."""

import threading
from pathlib import Path

from archive.provenance.keys import write_key_files

THREADS = 8


def _write_at_once(private: Path, public: Path) -> list[BaseException]:
    """Every thread writes its own new key to the same files, all started together."""
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        start.wait()
        try:
            write_key_files(private, public, f"key {n}".encode(), private.read_text)
        except BaseException as exc:  # noqa: BLE001  every thread's failure is reported
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_threads_writing_a_new_key_at_once_all_end_with_the_one_key(tmp_path: Path) -> None:
    for attempt in range(5):
        private, public = tmp_path / f"{attempt}.key", tmp_path / f"{attempt}.pub"
        assert _write_at_once(private, public) == []
        assert private.read_text() in {f"key {n}" for n in range(THREADS)}
        assert public.read_text() == private.read_text()
        assert private.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
