"""The browser's TLS key log (NSS key log format), read while captures run.

Chromium writes one line per secret (`--ssl-key-log-file`): `LABEL <client random hex>
<secret hex>`. One file serves one engine's browser; every capture's recorder looks its
connections' secrets up by client random. Lines are read as they are appended; a connection
waits a bounded time for a line its decryption needs.
"""

import asyncio
import time
from pathlib import Path

POLL_S = 0.002
MAX_POLL_S = 0.02


class KeyLog:
    """Secrets by (client random, label), read incrementally from a key log file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""
        self._secrets: dict[tuple[bytes, str], bytes] = {}
        self._lines: dict[bytes, list[str]] = {}

    def _read(self) -> None:
        try:
            with self.path.open("rb") as handle:
                if self.path.stat().st_size < self._offset:  # a relaunched browser started over
                    self._offset, self._partial = 0, b""
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return
        self._offset += len(data)
        data = self._partial + data
        *lines, self._partial = data.split(b"\n")
        for line in lines:
            parts = line.decode("ascii", "replace").split()
            if len(parts) != 3 or parts[0].startswith("#"):
                continue
            label, random_hex, secret_hex = parts
            try:
                client_random, secret = bytes.fromhex(random_hex), bytes.fromhex(secret_hex)
            except ValueError:
                continue
            self._secrets[(client_random, label)] = secret
            self._lines.setdefault(client_random, []).append(line.decode("ascii"))

    def get(self, client_random: bytes, label: str) -> bytes | None:
        """The secret if it is known now."""
        found = self._secrets.get((client_random, label))
        if found is None:
            self._read()
            found = self._secrets.get((client_random, label))
        return found

    async def wait(self, client_random: bytes, label: str, timeout_s: float) -> bytes | None:
        """The secret, waiting at most `timeout_s` for the browser to write it."""
        deadline = time.monotonic() + timeout_s
        pause = POLL_S
        while True:
            found = self.get(client_random, label)
            if found is not None or time.monotonic() >= deadline:
                return found
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_POLL_S)

    def lines(self, client_random: bytes) -> list[str]:
        """The key log lines of one connection, as the browser wrote them."""
        return list(self._lines.get(client_random, []))

    def forget(self, client_random: bytes) -> None:
        """Drop one connection's secrets from memory (its lines were taken already)."""
        for label in [label for (cr, label) in self._secrets if cr == client_random]:
            del self._secrets[(client_random, label)]
        self._lines.pop(client_random, None)
