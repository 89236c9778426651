"""What the `ensure_*` set-up scripts share: run a command showing it, and install Debian
packages with apt-get when this machine allows it (root and apt-get present).

The scripts run before the project is installed (`make install` calls them with the venv's
Python as `python scripts/ensure_X.py`), so this is a plain module beside them, not part of
the package.
"""

import os
import shutil
import subprocess

INSTALL_TIMEOUT_S = 900
"""The longest one set-up command may take (a package download on a slow mirror)."""


def run(command: list[str], timeout_s: float = INSTALL_TIMEOUT_S) -> bool:
    """Run a set-up command, showing it and its output; True when it succeeded."""
    print("+", " ".join(command), flush=True)
    try:
        return subprocess.run(command, timeout=timeout_s, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"  failed: {exc}", flush=True)
        return False


def can_apt() -> bool:
    """True when packages can be installed here (running as root, with apt-get)."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def install_command(packages: list[str]) -> list[str]:
    """The apt-get command that installs `packages` (also printed for a user to run)."""
    lock = ["-o", f"DPkg::Lock::Timeout={INSTALL_TIMEOUT_S}"]
    return ["apt-get", "install", "-y", "--no-install-recommends", *lock, *packages]


def apt_install(packages: list[str]) -> bool:
    """`apt-get update` then install `packages`; False when it cannot or did not succeed."""
    return can_apt() and run(["apt-get", "update"]) and run(install_command(packages))
