"""Keeping things: the archive home, database, blob store and custody log.

`archive` never imports `collector`.
"""

__version__ = "0.1.0"
