"""Access tokens for the web viewer.

The token comes from configuration (`[web] token` or `EVIDENCE_WEB_TOKEN`) or is generated on
first start and printed once; only its SHA-256 is kept (`keys/web-token.sha256`), so reading
the archive home does not reveal it. `evidence serve --new-token` replaces a lost one.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from archive.errors import EvidenceError

TOKEN_FILE = "web-token.sha256"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenCheck:
    """Compares presented tokens with the expected one in constant time."""

    def __init__(self, expected_sha256: str) -> None:
        self._expected = expected_sha256

    def accepts(self, presented: str | None) -> bool:
        """True when `presented` is the viewer's token."""
        if not presented:
            return False
        return hmac.compare_digest(_digest(presented), self._expected)


def prepare_token(
    keys_dir: Path, configured: str | None, renew: bool = False
) -> tuple[TokenCheck, str | None]:
    """The token check, plus the new token when one was just generated (to print once)."""
    if configured:
        if len(configured) < 16:
            raise EvidenceError("the configured web token is too short (16 characters at least)")
        return TokenCheck(_digest(configured)), None
    path = keys_dir / TOKEN_FILE
    if path.is_file() and not renew:
        stored = path.read_text(encoding="ascii").strip()
        if len(stored) == 64:
            return TokenCheck(stored), None
    token = secrets.token_urlsafe(32)
    tmp = path.with_suffix(".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(_digest(token) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise EvidenceError(f"cannot store the web token in {keys_dir}: {exc.strerror}") from exc
    return TokenCheck(_digest(token)), token
