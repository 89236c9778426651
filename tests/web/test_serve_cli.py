"""`evidence serve` as a user starts it: a one-time token link, every request without it refused."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.world.server import free_port

EVIDENCE = str(Path(sys.executable).with_name("evidence"))


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except urllib.error.URLError:
        return 0  # not listening yet


def test_serve_prints_token_once_and_guards_every_request(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "EVIDENCE_HOME": str(tmp_path), "EVIDENCE_WEB_TOKEN": ""}
    server = subprocess.Popen(
        [EVIDENCE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        link = None
        deadline = time.monotonic() + 60
        while link is None and time.monotonic() < deadline:
            line = server.stdout.readline()
            found = re.search(rf"http://127\.0\.0\.1:{port}/\?token=\S+", line)
            link = found.group(0) if found else None
        assert link, "serve did not print its token link"
        base = f"http://127.0.0.1:{port}"
        while _status(f"{base}/healthz-not-a-route") != 401:
            assert time.monotonic() < deadline, "viewer did not answer"
            time.sleep(0.2)
        assert _status(f"{base}/") == 401
        token = link.split("token=", 1)[1]
        request = urllib.request.Request(f"{base}/", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert b"Collect an article" in response.read()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    stored = (tmp_path / "keys" / "web-token.sha256").read_text()
    assert token not in stored


def test_serve_on_a_busy_port_is_a_one_line_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [EVIDENCE, "serve", "--port", str(port)],
            env={**os.environ, "EVIDENCE_HOME": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
