"""Reading login sessions as browsers and tools export them, into Playwright's storage state.

Two file formats: Netscape `cookies.txt` (what browser extensions and `yt-dlp --cookies`
write), read with `http.cookiejar.MozillaCookieJar` (which also takes `#HttpOnly_` lines), and
Playwright's storage-state JSON (`{"cookies": [...], "origins": [...]}`), checked field by field.

No message raised here ever quotes a cookie or storage value: `MozillaCookieJar`'s own
errors quote the offending line, so every line is checked here first and errors name the
line number and the field only.
"""

import http.cookiejar
import json
import time
import warnings
from pathlib import Path
from typing import Any

from archive.errors import EvidenceError

SESSION_COOKIE = -1
"""Playwright's `expires` for a cookie that lasts as long as the browser session."""
SAME_SITE = ("Strict", "Lax", "None")
_FLAGS = ("TRUE", "FALSE")
_NETSCAPE_HINT = "its first line must be '# Netscape HTTP Cookie File'"


class SessionFileError(EvidenceError):
    """A session file cannot be read or is not in the expected format."""


def _check_cookie_lines(text: str, name: str) -> None:
    """Reject any malformed cookie line by number and field, before MozillaCookieJar sees it."""
    lines = text.splitlines()
    if not lines or not http.cookiejar.NETSCAPE_MAGIC_RGX.match(lines[0]):
        raise SessionFileError(f"{name} is not a Netscape cookies.txt file ({_NETSCAPE_HINT})")
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith(http.cookiejar.HTTPONLY_PREFIX):
            line = line[len(http.cookiejar.HTTPONLY_PREFIX) :]
        if not line.strip() or line.strip().startswith(("#", "$")):
            continue
        fields = line.split("\t")
        where = f"{name} line {number}"
        if len(fields) != 7:
            raise SessionFileError(
                f"{where}: {len(fields)} tab-separated fields, a cookie line has 7 "
                "(domain, subdomains flag, path, secure flag, expiry, name, value)"
            )
        domain, subdomains, _path, secure, expires, cookie_name, _value = fields
        if not domain.strip("."):
            raise SessionFileError(f"{where}: the domain is empty")
        if subdomains not in _FLAGS or secure not in _FLAGS:
            raise SessionFileError(f"{where}: the subdomain and secure flags must be TRUE or FALSE")
        if (subdomains == "TRUE") != domain.startswith("."):
            raise SessionFileError(
                f"{where}: the subdomains flag ({subdomains}) disagrees with the domain's "
                "leading dot"
            )
        if expires and not expires.isdigit():
            raise SessionFileError(f"{where}: the expiry must be a Unix time in seconds")
        if not cookie_name:
            raise SessionFileError(f"{where}: the cookie has no name")


def _playwright_cookie(cookie: http.cookiejar.Cookie) -> dict[str, Any]:
    expires = cookie.expires if cookie.expires else SESSION_COOKIE  # 0 or none: session cookie
    return {
        "name": cookie.name,
        "value": cookie.value or "",
        "domain": cookie.domain,
        "path": cookie.path or "/",
        "expires": float(expires),
        "httpOnly": cookie.has_nonstandard_attr(http.cookiejar.HTTPONLY_ATTR),
        "secure": bool(cookie.secure),
        "sameSite": "Lax",  # cookies.txt has no SameSite; Lax is what browsers assume
    }


def read_cookies_txt(path: Path, now: float | None = None) -> dict[str, Any]:
    """A Netscape cookies.txt file as a storage state; expired cookies are dropped and a file
    with no live cookie left is refused (the session it held has expired)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SessionFileError(f"{path} is not a UTF-8 text file") from None
    except OSError as exc:
        raise SessionFileError(f"cannot read {path}: {exc.strerror}") from None
    _check_cookie_lines(text, str(path))
    jar = http.cookiejar.MozillaCookieJar()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its "cookiejar bug" warning prints the line
        try:
            jar.load(str(path), ignore_discard=True, ignore_expires=True)
        except http.cookiejar.LoadError:
            raise SessionFileError(f"{path} is not a valid Netscape cookies.txt file") from None
    moment = time.time() if now is None else now
    cookies = [_playwright_cookie(cookie) for cookie in jar]
    live = [c for c in cookies if c["expires"] == SESSION_COOKIE or c["expires"] > moment]
    if not cookies:
        raise SessionFileError(f"{path} holds no cookies")
    if not live:
        raise SessionFileError(f"every cookie in {path} has expired: export a fresh session")
    return {"cookies": live, "origins": []}


def _need(condition: bool, where: str, what: str) -> None:
    if not condition:
        raise SessionFileError(f"{where}: {what}")


def _check_cookie(cookie: Any, where: str) -> dict[str, Any]:
    _need(isinstance(cookie, dict), where, "a cookie must be an object")
    for key in ("name", "value", "domain", "path"):
        _need(isinstance(cookie.get(key), str), where, f"'{key}' must be a string")
    _need(bool(cookie["name"]) and bool(cookie["domain"].strip(".")), where, "empty name or domain")
    expires = cookie.get("expires", SESSION_COOKIE)
    _need(
        isinstance(expires, int | float) and not isinstance(expires, bool),
        where,
        "'expires' must be a number (-1: session cookie)",
    )
    for key in ("httpOnly", "secure"):
        _need(isinstance(cookie.get(key, False), bool), where, f"'{key}' must be true or false")
    same_site = cookie.get("sameSite", "Lax")
    _need(same_site in SAME_SITE, where, "'sameSite' must be Strict, Lax or None")
    return {
        "name": cookie["name"],
        "value": cookie["value"],
        "domain": cookie["domain"],
        "path": cookie["path"] or "/",
        "expires": float(expires),
        "httpOnly": cookie.get("httpOnly", False),
        "secure": cookie.get("secure", False),
        "sameSite": same_site,
    }


def _check_origin(origin: Any, where: str) -> dict[str, Any]:
    _need(isinstance(origin, dict), where, "an origin must be an object")
    _need(isinstance(origin.get("origin"), str), where, "'origin' must be a string")
    _need(origin["origin"].startswith(("http://", "https://")), where, "'origin' must be a URL")
    items = origin.get("localStorage", [])
    _need(isinstance(items, list), where, "'localStorage' must be a list")
    storage = []
    for index, item in enumerate(items):
        spot = f"{where} localStorage[{index}]"
        _need(isinstance(item, dict), spot, "an entry must be an object")
        _need(
            isinstance(item.get("name"), str) and isinstance(item.get("value"), str),
            spot,
            "'name' and 'value' must be strings",
        )
        storage.append({"name": item["name"], "value": item["value"]})
    return {"origin": origin["origin"].rstrip("/"), "localStorage": storage}


def check_storage_state(data: Any, name: str, now: float | None = None) -> dict[str, Any]:
    """A Playwright storage state checked and normalized (`name` says where it came from);
    expired cookies are dropped, and a state with nothing live left is refused."""
    _need(isinstance(data, dict), name, "a storage state is a JSON object")
    cookies, origins = data.get("cookies", []), data.get("origins", [])
    _need(isinstance(cookies, list), name, "'cookies' must be a list")
    _need(isinstance(origins, list), name, "'origins' must be a list")
    checked = [_check_cookie(c, f"{name} cookies[{i}]") for i, c in enumerate(cookies)]
    moment = time.time() if now is None else now
    live = [c for c in checked if c["expires"] <= 0 or c["expires"] > moment]
    state = {
        "cookies": live,
        "origins": [_check_origin(o, f"{name} origins[{i}]") for i, o in enumerate(origins)],
    }
    if checked and not live and not any(o["localStorage"] for o in state["origins"]):
        raise SessionFileError(f"every cookie in {name} has expired: export a fresh session")
    _need(bool(live) or bool(state["origins"]), name, "no cookies and no origins")
    return state


def read_storage_state(path: Path, now: float | None = None) -> dict[str, Any]:
    """A Playwright storage-state JSON file, checked (see `check_storage_state`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SessionFileError(f"{path} is not JSON (a Playwright storage state)") from None
    except OSError as exc:
        raise SessionFileError(f"cannot read {path}: {exc.strerror}") from None
    return check_storage_state(data, str(path), now)
