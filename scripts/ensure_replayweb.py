"""Make sure the ReplayWeb.page build the replay tests serve is unpacked (run by `make install`,
and by tests/export/test_replaywebpage.py when it is missing).

The npm package `replaywebpage` ships its built app (`index.html`, `ui.js`, `sw.js`); its
dependencies are bundled into those files, so `npm pack` (the tarball alone, no dependency
resolution) is all that is needed. The tarball must have the SHA-512 the registry published for
2.5.3 (pinned below), then it is unpacked with tarfile's `data` filter into
`<venv>/share/replaywebpage-2.5.3/` through a temporary folder and one rename, so a half-unpacked
copy is never used. Without npm, as root with apt-get, Debian's `npm` is installed; otherwise
the script says what to run and fails. ReplayWeb.page is AGPL-3.0-or-later: its LICENSE is kept
beside the files, and nothing of it is vendored into this repository.

Prints the folder on success (the last line of stdout).
"""

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "replaywebpage"
VERSION = "2.5.3"
INTEGRITY = (  # `npm view replaywebpage@2.5.3 dist.integrity`
    "sha512-nCj2PSON3BxeSJKE8AsYPyULv0XPZKJWfy4l9PyQre9Sq"
    "wLZ+WKZVs/sfLqPOQ4GrH+0YkjbwOhr8cSTH08gsQ=="
)
REQUIRED = ("index.html", "ui.js", "sw.js", "LICENSE", "package.json")
TIMEOUT_S = 600


def target() -> Path:
    """Where the build lives: under the running Python's prefix (the project's venv)."""
    return Path(sys.prefix) / "share" / f"{PACKAGE}-{VERSION}"


def installed(folder: Path) -> bool:
    """True when `folder` holds the unpacked build."""
    return all((folder / name).is_file() for name in REQUIRED)


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(command), file=sys.stderr, flush=True)
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )


def _npm() -> str | None:
    found = shutil.which("npm")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    for step in (["apt-get", "update"], ["apt-get", "install", "-y", "npm"]):
        _run(step)
    return shutil.which("npm")


def _integrity(tarball: Path) -> str:
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def install(folder: Path) -> str | None:
    """Fetch and unpack the build into `folder`; None on success, else why not."""
    npm = _npm()
    if npm is None:
        return (
            "npm is not installed: the ReplayWeb.page tests need it once to fetch "
            f"{PACKAGE}@{VERSION} (`sudo apt-get install npm`, or Node.js from nodejs.org)"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{PACKAGE}-") as work:
        scratch = Path(work)
        packed = _run([npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", work], scratch)
        tarball = scratch / f"{PACKAGE}-{VERSION}.tgz"
        if packed.returncode != 0 or not tarball.is_file():
            lines = (packed.stderr or packed.stdout).strip().splitlines() or ["no output"]
            return f"npm pack {PACKAGE}@{VERSION} failed: {lines[-1]}"
        found = _integrity(tarball)
        if found != INTEGRITY:
            return f"{tarball.name} has {found}, not the published {INTEGRITY}"
        unpacked = scratch / "unpacked"
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter="data")
        if not installed(unpacked / "package"):
            return f"{tarball.name} lacks one of {', '.join(REQUIRED)}"
        if folder.exists() and not installed(folder):
            shutil.rmtree(folder)  # a copy someone damaged: replace it
        try:
            os.rename(unpacked / "package", folder)
        except OSError as exc:
            if not installed(folder):  # else another process finished first: keep its copy
                return f"cannot move the build to {folder}: {exc.strerror}"
    return None


def main() -> int:
    """Install the build if needed; print its folder; exit 1 with a reason when impossible."""
    folder = target()
    if not installed(folder):
        try:
            problem = install(folder)
        except (OSError, subprocess.TimeoutExpired, tarfile.TarError) as exc:
            problem = f"cannot install {PACKAGE}@{VERSION}: {exc}"
        if problem is not None:
            print(f"replaywebpage: {problem}", file=sys.stderr)
            return 1
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
