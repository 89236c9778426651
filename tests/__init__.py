"""Test suite. A regular package, so `tests.*` never resolves to a `tests` package that some
installed distributions (pywb) put in site-packages."""
