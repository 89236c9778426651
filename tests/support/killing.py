"""Run a Python snippet in a child process and kill -9 it once it says it got somewhere."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parents[2]


def kill_when_ready(script: str, ready: Path, timeout_s: float = 60) -> None:
    """Start `script`, wait until it creates `ready`, then SIGKILL it and reap it."""
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        deadline = time.monotonic() + timeout_s
        while not ready.exists():
            assert process.poll() is None, "the child exited before it was killed"
            assert time.monotonic() < deadline, "the child never got there"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
