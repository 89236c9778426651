"""The reusable offline test world (local HTTP and HTTPS servers); see server.py."""
