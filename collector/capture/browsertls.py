"""The browser's side of TLS passthrough: where it writes its key log, and what it trusts.

Chromium writes its TLS secrets to `--ssl-key-log-file` (the headless shell honours it too),
one file per engine in a private temporary folder: on `/dev/shm` when that is a tmpfs with
room (`memory_folder`), so the secrets, which with a recording of the wire would decrypt the
browser's requests, cookies included, stay in memory and never reach a disk's blocks.

Because the browser now verifies servers itself, the extra CAs of `extra_ca_file` must reach
it: Chromium on Linux trusts the certificates of the NSS database in `$HOME/.pki/nssdb`
(checked with the headless shell and Debian chromium 156), so the browser runs with a private
HOME holding such a database made with NSS's `certutil` (Debian `libnss3-tools`).
`--ignore-certificate-errors-spki-list` is no substitute: it matches only keys of the chain
the server sends, which does not hold the CA.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from archive.errors import EvidenceError

CERTUTIL_TIMEOUT_S = 30
SHM = Path("/dev/shm")
MOUNTS = Path("/proc/self/mounts")
MIN_FREE_BYTES = 512 * 1024 * 1024
"""Room a memory folder must have: the key log grows by about 1 KB per connection for the
browser's lifetime, and a full one would leave connections undecrypted (Docker's default
/dev/shm is 64 MiB: the disk's temporary folder is then used)."""


class BrowserTLS:
    """A private folder with the key log file and, when needed, an NSS trust database."""

    def __init__(self, extra_ca_file: str | None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="evidence-tls-", dir=memory_folder())
        root = Path(self._dir.name)
        root.chmod(0o700)
        self.keylog_path = root / "keys.log"
        self.home: Path | None = None
        if extra_ca_file:
            self.home = root / "home"
            _nss_db(self.home / ".pki" / "nssdb", Path(extra_ca_file))

    def args(self) -> list[str]:
        """The Chromium flags."""
        return [f"--ssl-key-log-file={self.keylog_path}"]

    def env(self) -> dict[str, str] | None:
        """The browser's environment (None: inherit), with HOME on the NSS database."""
        if self.home is None:
            return None
        return {**os.environ, "HOME": str(self.home)}

    def close(self) -> None:
        """Remove the key log and the database."""
        self._dir.cleanup()


def memory_folder(
    mounts: Path = MOUNTS, folder: Path = SHM, min_free: int = MIN_FREE_BYTES
) -> str | None:
    """`folder` when it is a writable tmpfs (memory, not a disk) with `min_free` bytes free,
    else None (the default temporary folder)."""
    try:
        table = mounts.read_text()
        usage = os.statvfs(folder)
    except OSError:
        return None
    tmpfs = any(
        fields[1:3] == [str(folder), "tmpfs"]
        for fields in (line.split() for line in table.splitlines())
        if len(fields) >= 3
    )
    room = usage.f_bavail * usage.f_frsize >= min_free
    return str(folder) if tmpfs and room and os.access(folder, os.W_OK | os.X_OK) else None


def _nss_db(folder: Path, ca_file: Path) -> None:
    """An NSS database trusting every certificate of `ca_file` as a server CA."""
    certutil = shutil.which("certutil")
    if certutil is None:
        raise EvidenceError(
            "extra_ca_file needs NSS's certutil to reach the browser: install libnss3-tools"
        )
    try:
        certs = x509.load_pem_x509_certificates(ca_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise EvidenceError(f"extra_ca_file {ca_file} is not readable PEM: {exc}") from None
    folder.mkdir(parents=True)
    db = f"sql:{folder}"
    _run([certutil, "-N", "-d", db, "--empty-password"])
    for index, cert in enumerate(certs):
        pem = folder / f"ca{index}.pem"
        pem.write_bytes(cert.public_bytes(Encoding.PEM))
        _run([certutil, "-A", "-d", db, "-n", f"extra-ca-{index}", "-t", "C,,", "-i", str(pem)])


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=CERTUTIL_TIMEOUT_S)
    except (subprocess.SubprocessError, OSError) as exc:
        raise EvidenceError(f"certutil failed: {exc}") from None
