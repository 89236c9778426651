"""The `evidence` command line: output contracts, exit codes and error messages."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive import __version__
from archive.archive import Archive
from collector.cli.app import app

runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--home", str(home), *args])
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"evidence-collector {__version__}"


def test_init_is_idempotent_and_reports_json(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, out, _ = run(home, "init", "--json")
    assert code == 0
    info = json.loads(out)
    assert info["home"] == str(home.resolve())
    assert len(info["signing_key_fingerprint"]) == 64
    assert info["custody_chain"] == {
        "events": 2,
        "head": info["custody_chain"]["head"],
        "intact": True,
        "problems": [],
    }
    code, out, _ = run(home, "init", "--json")
    assert code == 0
    again = json.loads(out)
    assert again["custody_chain"]["events"] == 2, "a second init must add nothing"
    assert again["signing_key_fingerprint"] == info["signing_key_fingerprint"]


def test_status_human_output(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, "status")
    assert code == 0
    assert "custody chain" in out and "intact" in out


def test_status_fails_when_chain_is_broken(tmp_path: Path) -> None:
    import sqlite3

    run(tmp_path, "init")
    connection = sqlite3.connect(tmp_path / "evidence.db")
    connection.execute("DROP TRIGGER custody_event_no_update")
    connection.execute("UPDATE custody_event SET actor = 'mallory'")
    connection.commit()
    code, out, _ = run(tmp_path, "status", "--json")
    assert code == 1
    assert json.loads(out)["custody_chain"]["intact"] is False


def test_list_and_show_records(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive, archive.session() as session:
        case = archive.ensure_case(session, "Case A")
    code, out, _ = run(tmp_path, "list", "cases", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [row["name"] for row in rows] == ["Case A"]
    assert rows[0]["created_at"].endswith("Z")

    code, out, _ = run(tmp_path, "show", case.id, "--json")
    assert code == 0
    record = json.loads(out)
    assert record["type"] == "Case" and record["id"] == case.id
    assert [event["action"] for event in record["events"]] == ["case.created"]

    code, out, _ = run(tmp_path, "show", case.id)
    assert code == 0 and "Case A" in out

    code, out, _ = run(tmp_path, "list", "events")
    assert code == 0 and "case.created" in out


@pytest.mark.parametrize("kind", ["sources", "targets", "captures", "cases", "events"])
def test_list_empty_kinds(tmp_path: Path, kind: str) -> None:
    code, out, _ = run(tmp_path, "list", kind, "--json")
    assert code == 0
    assert isinstance(json.loads(out), list)


def test_show_unknown_id_is_one_line_error(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "show", "cap_00000000000000000000000000")
    assert code == 1
    assert out == ""
    assert err == "error: no capture with id cap_00000000000000000000000000\n"
    code, _, err = run(tmp_path, "show", "not-an-id")
    assert code == 1 and "is not a record id" in err


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "list", "bogus")
    assert code == 2
    assert "Traceback" not in err
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2


def test_every_documented_command_exists() -> None:
    commands = {command.name for command in app.registered_commands}
    groups = {group.name for group in app.registered_groups}
    documented = {"init", "status", "list", "show", "extract", "capture", "collect", "recheck",
                  "verify", "export", "serve", "timestamp", "worker"}  # fmt: skip
    assert documented <= commands
    assert {"key", "log"} <= groups | commands


def test_file_as_home_is_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "file"
    home.write_text("x")
    code, _, err = run(home, "status")
    assert code == 1
    assert err == f"error: archive home {home} is a file, not a directory\n"


def test_real_subprocess_uses_evidence_home(tmp_path: Path) -> None:
    """The installed console script, its environment variable and its exit codes."""
    env = {"EVIDENCE_HOME": str(tmp_path / "env-home"), "PATH": "/usr/bin:/bin"}
    script = Path(sys.executable).with_name("evidence")
    done = subprocess.run(
        [str(script), "status", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["home"] == str((tmp_path / "env-home").resolve())
    failed = subprocess.run(
        [str(script), "--home", "/proc/nope", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: cannot create archive home /proc/nope")
    assert "Traceback" not in failed.stderr
