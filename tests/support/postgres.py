"""A throw-away PostgreSQL server for tests: initdb in a temp dir, listening on loopback.

Uses the Debian `postgresql` binaries (/usr/lib/postgresql/<version>/bin). PostgreSQL refuses
to run as root, so under root the server runs as the `postgres` system user.
"""

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

START_TIMEOUT_S = 60


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL binary folder, or None."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if candidates:
        return candidates[0].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """One PostgreSQL cluster owned by a test session."""

    def __init__(self, root: Path, bin_dir: Path) -> None:
        self.root = root
        self.bin_dir = bin_dir
        self.data = root / "data"
        self.port = _free_port()
        self._as_user: list[str] = []

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `evidence` database."""
        return f"postgresql+psycopg://evidence@127.0.0.1:{self.port}/evidence"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> "PostgresServer":
        """initdb, start on loopback, create the `evidence` database."""
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "evidence",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            str(START_TIMEOUT_S),
            "start",
        )
        self._run(
            str(self.bin_dir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "evidence",
            "evidence",
        )
        return self

    def stop(self) -> None:
        """Stop the server immediately (the data folder is thrown away with the temp dir)."""
        if self.data.is_dir():
            subprocess.run(
                [
                    *self._as_user,
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
                check=False,
            )

    def create_database(self, name: str) -> str:
        """A new empty database on this server; returns its URL."""
        self._run(
            str(self.bin_dir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "evidence",
            name,
        )
        return f"postgresql+psycopg://evidence@127.0.0.1:{self.port}/{name}"


def wait_for_port(port: int, timeout_s: float = 10) -> None:
    """Block until something listens on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")
