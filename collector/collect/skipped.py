"""`Skipped`: the statuses of a collect's items that were not captured, apart from the pipeline
so that showing them (the command line's progress) does not import it."""

from enum import StrEnum


class Skipped(StrEnum):
    """An item's status when this run made no capture of it (else it is a CaptureStatus)."""

    REUSED = "reused"  # a complete capture younger than `fresh_for` stands
    UNRESOLVED = "unresolved"  # cited without a URL that could be found
    AMBIGUOUS = "ambiguous"  # cited without a URL; several posts match the quote
