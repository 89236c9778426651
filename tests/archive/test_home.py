"""The archive home: creation, idempotence, settings precedence, bad paths."""

import os
from pathlib import Path

import pytest

from archive.archive import Archive
from archive.config import load_settings
from archive.errors import ArchiveHomeError
from archive.home import prepare_home


def test_prepare_home_creates_layout_once(tmp_path: Path) -> None:
    home = tmp_path / "a" / "b"
    assert prepare_home(home) is True
    assert (home / "blobs").is_dir()
    assert (home / "keys").stat().st_mode & 0o777 == 0o700
    config = home / "config.toml"
    config.write_text('investigator = "Ana"\n')
    assert prepare_home(home) is False
    assert config.read_text() == 'investigator = "Ana"\n', "init must never overwrite config"


def test_open_creates_wal_database(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive, archive.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
    assert (tmp_path / "evidence.db").is_file()


def test_file_where_home_should_be(tmp_path: Path) -> None:
    target = tmp_path / "home"
    target.write_text("not a directory")
    with pytest.raises(ArchiveHomeError, match="is a file, not a directory"):
        Archive.open(target)


def test_file_where_blobs_dir_should_be(tmp_path: Path) -> None:
    (tmp_path / "blobs").write_text("in the way")
    with pytest.raises(ArchiveHomeError, match="is a file, not a directory"):
        Archive.open(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_parent(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir(mode=0o555)
    with pytest.raises(ArchiveHomeError, match="permission denied"):
        Archive.open(parent / "home")


def test_read_only_filesystem_like_home_as_root(tmp_path: Path) -> None:
    """Root bypasses modes, so use a path under /proc, which refuses new directories for all."""
    with pytest.raises(ArchiveHomeError, match="cannot create archive home"):
        Archive.open(Path("/proc/evidence-home-test"))


def test_invalid_config_is_a_clear_error(tmp_path: Path) -> None:
    prepare_home(tmp_path)
    (tmp_path / "config.toml").write_text("investigator = [unclosed\n")
    with pytest.raises(ArchiveHomeError, match="not valid TOML"):
        Archive.open(tmp_path)


def test_settings_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_home(tmp_path)
    (tmp_path / "config.toml").write_text('investigator = "from-file"\n[capture]\ntimeout = 9\n')
    monkeypatch.delenv("EVIDENCE_INVESTIGATOR", raising=False)
    assert load_settings(tmp_path).investigator == "from-file"
    assert load_settings(tmp_path).section("capture") == {"timeout": 9}
    monkeypatch.setenv("EVIDENCE_INVESTIGATOR", "from-env")
    assert load_settings(tmp_path).investigator == "from-env"
    assert load_settings(tmp_path, {"investigator": "from-flag"}).investigator == "from-flag"
    assert load_settings(tmp_path).database_url == f"sqlite:///{tmp_path.resolve()}/evidence.db"
