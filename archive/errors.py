"""Errors the archive raises with a message fit for an investigator's terminal."""


class EvidenceError(Exception):
    """A failed operation with a clear, one-line explanation (CLI exit code 1)."""


class ArchiveHomeError(EvidenceError):
    """The archive home cannot be created, opened or written."""


class BlobError(EvidenceError):
    """A blob is missing, unreadable or does not match its hash."""


class NotFoundError(EvidenceError):
    """No record with the given id exists."""
