"""Investigators' login sessions, kept encrypted in the archive home.

Layout:

- `keys/session.key`: 32 random bytes (mode 0600), made on first use;
- `sessions/<name>.session`: `EVS1` + a 12-byte nonce + ChaCha20-Poly1305 ciphertext of the
  session's JSON record (its storage state, hosts, handle, limits), with the session's name as
  associated data, so a file renamed to another session's name does not decrypt;
- `sessions/<name>.state.json`: plain bookkeeping with no secret in it: the next start slot of
  the rate limit, a cool-down, and the "needs check" mark with its reason.

Every file is written to a temporary name, fsynced and renamed into place; changes to a
session's state are made under an exclusive `flock` on `sessions/.lock`, so concurrent
captures (and processes on this machine) share one rate limit. No message raised here quotes a
secret: errors name the session and the file.
"""

import contextlib
import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from archive.errors import EvidenceError, NotFoundError
from archive.fsutil import fsync_dir, temporary_sibling
from archive.timeutil import iso, utcnow
from archive.vocabulary import SessionKind

KEY_FILE = "session.key"
FOLDER = "sessions"
MAGIC = b"EVS1"
NONCE_BYTES = 12
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HOST_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63})*$")
DEFAULT_RATE_PER_MINUTE = 4.0
DEFAULT_COOLDOWN_S = 900.0


class SessionError(EvidenceError):
    """A session cannot be stored, found, read or used."""


@dataclass(frozen=True)
class SessionRecord:
    """One stored session: its storage state (the secret part) and how it is used."""

    name: str
    kind: SessionKind
    storage_state: dict[str, Any]
    hosts: tuple[str, ...] = ()
    handle: str | None = None
    check_url: str | None = None
    rate_per_minute: float = DEFAULT_RATE_PER_MINUTE
    cooldown_s: float = DEFAULT_COOLDOWN_S
    created_at: str = field(default_factory=lambda: iso(utcnow()) or "")

    @property
    def scope(self) -> tuple[str, ...]:
        """The hosts it is for: the bound hosts, else its cookies' domains and origins' hosts."""
        if self.hosts:
            return self.hosts
        found = {str(c["domain"]).lstrip(".").lower() for c in self.cookies}
        for origin in self.storage_state.get("origins", []):
            found.add(str(origin["origin"]).split("://", 1)[-1].split(":")[0].lower())
        return tuple(sorted(found))

    @property
    def cookies(self) -> list[dict[str, Any]]:
        """The storage state's cookies."""
        return list(self.storage_state.get("cookies", []))

    def covers(self, host: str) -> bool:
        """True when `host` is one of its scope's hosts or a subdomain of one."""
        host = host.lower().rstrip(".")
        return any(host == h or host.endswith(f".{h}") for h in self.scope)

    def summary(self) -> dict[str, Any]:
        """What may be shown or recorded about it: never a value."""
        return {
            "name": self.name,
            "kind": self.kind,
            "hosts": list(self.hosts),
            "scope": list(self.scope),
            "handle": self.handle,
            "check_url": self.check_url,
            "cookies": len(self.cookies),
            "origins": len(self.storage_state.get("origins", [])),
            "rate_per_minute": self.rate_per_minute,
            "cooldown_s": self.cooldown_s,
            "created_at": self.created_at,
        }


@dataclass
class SessionState:
    """A session's plain bookkeeping (no secrets): rate-limit slot, cool-down, check mark."""

    next_at: float = 0.0
    cooldown_until: float = 0.0
    cooldown_reason: str | None = None
    needs_check: str | None = None
    checked_at: str | None = None
    uses: int = 0


def check_name(name: str) -> str:
    """`name` when it is a valid session name (letters, digits, `.`, `_`, `-`; up to 64)."""
    if not NAME_RE.match(name):
        raise SessionError(
            f"invalid session name {name!r}: use letters, digits, '.', '_' or '-' (up to 64)"
        )
    return name


def normalize_host(host: str) -> str:
    """A host name as bound: lower case, no scheme, port, path or trailing dot."""
    text = host.strip().lower()
    text = text.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].rstrip(".")
    if not HOST_RE.match(text):
        raise SessionError(f"invalid host {host!r}: give a host name such as x.com")
    return text


def _write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    tmp = temporary_sibling(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


class SessionStore:
    """The sessions of one archive home."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.folder = home / FOLDER
        self.key_path = home / "keys" / KEY_FILE

    # -- the key ------------------------------------------------------------------------------

    def _cipher(self) -> ChaCha20Poly1305:
        """The session cipher; its key is made (0600, linked into place) on first use."""
        try:
            key = self.key_path.read_bytes()
        except FileNotFoundError:
            key = self._new_key()
        except OSError as exc:
            raise SessionError(f"cannot read {self.key_path}: {exc.strerror}") from None
        if len(key) != 32:
            raise SessionError(f"{self.key_path} is not a session key (32 bytes expected)")
        return ChaCha20Poly1305(key)

    def _new_key(self) -> bytes:
        self.key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = temporary_sibling(self.key_path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(ChaCha20Poly1305.generate_key())
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, self.key_path)  # atomic; another process's key, made first, wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return self.key_path.read_bytes()

    # -- records ------------------------------------------------------------------------------

    def _path(self, name: str, suffix: str = ".session") -> Path:
        return self.folder / f"{check_name(name)}{suffix}"

    def _prepare(self) -> None:
        self.folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self.folder, 0o700)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's exclusive lock (between processes too)."""
        try:
            self._prepare()
            fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise SessionError(f"cannot write sessions in {self.folder}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def add(self, record: SessionRecord, *, replace: bool = False) -> None:
        """Store `record` encrypted; refuse an existing name (unless `replace`) and a host
        already bound to another session."""
        check_name(record.name)
        for host in record.hosts:
            normalize_host(host)
        with self.locked():
            path = self._path(record.name)
            if path.exists() and not replace:
                raise SessionError(
                    f"a session named {record.name!r} exists: remove it first or use --replace"
                )
            for other in self._load_all():
                if other.name == record.name:
                    continue
                taken = sorted(set(other.hosts) & set(record.hosts))
                if taken:
                    raise SessionError(
                        f"host {taken[0]} is already bound to session {other.name!r}; "
                        "a host is bound to one session"
                    )
            plain = json.dumps(_to_json(record), sort_keys=True).encode()
            nonce = os.urandom(NONCE_BYTES)
            sealed = self._cipher().encrypt(nonce, plain, _aad(record.name))
            _write_atomic(path, MAGIC + nonce + sealed)
            if replace:
                self._path(record.name, ".state.json").unlink(missing_ok=True)

    def get(self, name: str) -> SessionRecord:
        """The session `name`, decrypted (NotFoundError when there is none)."""
        path = self._path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            missing = f"no session named {name!r} (see `evidence session list`)"
            raise NotFoundError(missing) from None
        except OSError as exc:
            raise SessionError(f"cannot read session {name!r}: {exc.strerror}") from None
        return self._open(name, data)

    def _open(self, name: str, data: bytes) -> SessionRecord:
        damaged = SessionError(
            f"session {name!r} cannot be decrypted: its file is damaged or "
            f"keys/{KEY_FILE} is not the key it was stored with"
        )
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + NONCE_BYTES + 16:
            raise damaged
        nonce = data[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
        try:
            plain = self._cipher().decrypt(nonce, data[len(MAGIC) + NONCE_BYTES :], _aad(name))
        except InvalidTag:
            raise damaged from None
        return _from_json(json.loads(plain))

    def names(self) -> list[str]:
        """Names of the stored sessions, sorted."""
        if not self.folder.is_dir():
            return []
        return sorted(p.name.removesuffix(".session") for p in self.folder.glob("*.session"))

    def _load_all(self) -> list[SessionRecord]:
        return [self.get(name) for name in self.names()]

    def all(self) -> list[SessionRecord]:
        """Every stored session, decrypted, by name."""
        return self._load_all()

    def remove(self, name: str) -> None:
        """Delete the session `name` and its state (NotFoundError when there is none)."""
        with self.locked():
            path = self._path(name)
            if not path.exists():
                raise NotFoundError(f"no session named {name!r} (see `evidence session list`)")
            path.unlink()
            self._path(name, ".state.json").unlink(missing_ok=True)
            fsync_dir(self.folder)

    def bound_to(self, host: str) -> SessionRecord | None:
        """The session bound (`--host`) to `host` or a parent domain of it, the longest match."""
        host = host.lower().rstrip(".")
        best: tuple[int, SessionRecord] | None = None
        for record in self._load_all():
            for bound in record.hosts:
                if (host == bound or host.endswith(f".{bound}")) and (
                    best is None or len(bound) > best[0]
                ):
                    best = (len(bound), record)
        return best[1] if best else None

    def update_handle(self, name: str, handle: str) -> SessionRecord:
        """Store the account's handle learned by a check."""
        record = self.get(name)
        if record.handle == handle:
            return record
        changed = SessionRecord(**{**asdict(record), "handle": handle, "hosts": record.hosts})
        self.add(changed, replace=True)
        return changed

    # -- state --------------------------------------------------------------------------------

    def state(self, name: str) -> SessionState:
        """The session's bookkeeping (defaults when none was written)."""
        try:
            raw = json.loads(self._path(name, ".state.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return SessionState()
        known = SessionState.__dataclass_fields__
        return SessionState(**{k: v for k, v in raw.items() if k in known})

    @contextlib.contextmanager
    def _changing(self, name: str) -> Iterator[SessionState]:
        with self.locked():
            state = self.state(name)
            yield state
            text = json.dumps(asdict(state), sort_keys=True, indent=1)
            _write_atomic(self._path(name, ".state.json"), text.encode())

    def reserve(self, record: SessionRecord, now: float | None = None) -> float:
        """Reserve the session's next capture start; return the seconds to wait for it.

        Starts are at least 60 / `rate_per_minute` seconds apart and none falls in a cool-down.
        """
        moment = time.time() if now is None else now
        interval = 60.0 / record.rate_per_minute if record.rate_per_minute > 0 else 0.0
        with self._changing(record.name) as state:
            start = max(moment, state.next_at, state.cooldown_until)
            state.next_at = start + interval
            state.uses += 1
        return start - moment

    def cool_down(self, record: SessionRecord, reason: str, now: float | None = None) -> None:
        """Pause the session for its cool-down (the platform pushed back: `reason`)."""
        moment = time.time() if now is None else now
        with self._changing(record.name) as state:
            state.cooldown_until = max(state.cooldown_until, moment + record.cooldown_s)
            state.cooldown_reason = reason

    def mark_needs_check(self, name: str, reason: str) -> None:
        """Mark the session for `session check` (a capture meant logged in was not)."""
        with self._changing(name) as state:
            state.needs_check = reason

    def mark_checked(self, name: str, logged_in: bool, reason: str | None = None) -> None:
        """Record a check: logged in clears the mark, logged out sets it to `reason`."""
        with self._changing(name) as state:
            state.checked_at = iso(utcnow())
            state.needs_check = None if logged_in else (reason or "logged out")


def _aad(name: str) -> bytes:
    return f"evidence-session:{name}".encode()


def _to_json(record: SessionRecord) -> dict[str, Any]:
    data = asdict(record)
    data["format"] = 1
    data["hosts"] = list(record.hosts)
    return data


def _from_json(data: dict[str, Any]) -> SessionRecord:
    data = {k: v for k, v in data.items() if k != "format"}
    data["hosts"] = tuple(data.get("hosts") or ())
    data["kind"] = SessionKind(data["kind"])
    return SessionRecord(**data)
