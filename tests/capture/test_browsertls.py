"""Where the browser's key log is written: a tmpfs with room (memory), else the default
temporary folder."""

from pathlib import Path

from collector.capture.browsertls import BrowserTLS, memory_folder


def _mounts(tmp_path: Path, folder: Path, kind: str) -> Path:
    table = tmp_path / "mounts"
    table.write_text(f"/dev/sda1 / ext4 rw 0 0\n{kind} {folder} {kind} rw,relatime 0 0\n")
    return table


def test_a_writable_tmpfs_with_room_is_chosen(tmp_path: Path) -> None:
    folder = tmp_path / "shm"
    folder.mkdir()
    assert memory_folder(_mounts(tmp_path, folder, "tmpfs"), folder, min_free=0) == str(folder)


def test_a_disk_a_full_tmpfs_or_no_mount_table_is_not(tmp_path: Path) -> None:
    folder = tmp_path / "shm"
    folder.mkdir()
    assert memory_folder(_mounts(tmp_path, folder, "ext4"), folder, min_free=0) is None
    assert memory_folder(_mounts(tmp_path, folder, "tmpfs"), folder, min_free=1 << 62) is None
    assert memory_folder(tmp_path / "no-such-table", folder, min_free=0) is None
    assert memory_folder(_mounts(tmp_path, folder, "tmpfs"), tmp_path / "gone", 0) is None


def test_the_key_log_goes_where_memory_folder_says() -> None:
    tls = BrowserTLS(None)
    try:
        where = memory_folder()
        parent = tls.keylog_path.parent.parent
        assert (str(parent) == where) if where else (parent != Path("/dev/shm"))
        assert tls.keylog_path.parent.stat().st_mode & 0o777 == 0o700
    finally:
        tls.close()
