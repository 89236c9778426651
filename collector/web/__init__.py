"""The web viewer: browse, search and check the archive in a browser (`evidence serve`).

It lives in `collector/` rather than `archive/` because its actions (submit an article to
collect) drive the collector; the pages themselves only read the archive.
"""
