"""Errors the archive raises with a message fit for an investigator's terminal."""


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class EvidenceError(Exception):
    """A failed operation with a clear, one-line explanation (CLI exit code 1)."""


class ArchiveHomeError(EvidenceError):
    """The archive home cannot be created, opened or written."""


class BlobError(EvidenceError):
    """A blob is missing, unreadable or does not match its hash."""


class NotFoundError(EvidenceError):
    """No record with the given id exists."""
