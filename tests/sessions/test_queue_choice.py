"""A queued job carries `--session NAME` / `--no-session` (the name only), and the worker
follows the job's choice over its own."""

from pathlib import Path

from archive.archive import Archive
from collector.collect.pipeline import CollectOptions
from collector.collect.sessions import SessionChoice
from collector.queue.tasks import job_options, job_sessions
from tests.sessions.conftest import SID, stored


def test_jobs_carry_the_choice_by_name(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        stored(archive.home, "sock", ("members.example.test",))
        default = job_options(CollectOptions.for_archive(archive))
        assert "session" not in default and "no_session" not in default
        named = job_options(CollectOptions.for_archive(archive, session="sock"))
        assert named["session"] == "sock" and SID not in repr(named)
        off = job_options(CollectOptions.for_archive(archive, no_session=True))
        assert off["no_session"] is True
        assert job_sessions(archive, default) is None, "the worker's own choice stands"
        picker = job_sessions(archive, named)
        assert picker is not None and picker.choice == SessionChoice("sock")
        assert picker.record_for("https://members.example.test/x").name == "sock"  # type: ignore[union-attr]
