"""A members-only site with a real login, for captures made logged in (written for the
project; not a recording).

`https://members.example.test` (through `World.resolver_rules`):

- `GET /login`: the sign-in form (username, password), a page of little else;
- `POST /login`: right credentials set an HttpOnly `sid` session cookie and a script-readable
  `csrftoken` cookie and send the browser on to `next` (303); wrong ones show the form again;
- `GET /members`: without a valid `sid`, a 302 to `/login?next=/members` (the login wall);
  with one, the members' page, which rotates the session on the way (a new `sid` in
  `Set-Cookie`, both valid from then on), carries the CSRF token in a hidden field, logs it to
  the console, requests `/pixel.gif?t=<csrf>` and fetches `/api/feed` with the token in an
  `X-CSRFToken` header, writing the answer into the page;
- `GET /api/feed`: 401 without a session, 403 without the matching CSRF header, else JSON
  with the account's handle, its items and the session id and token it was called with
  (echoed, as APIs do);
- `GET /pixel.gif`: a 1x1 GIF;
- `GET /members/archive`: the members' archive, a page past 1 MiB (`ARCHIVE_BYTES`) that
  echoes the session id and CSRF token it was sent near its start, past its first MiB and at
  its end, and fetches `/api/archive`: gzip-encoded JSON past 1 MiB once decoded, echoing
  them too (so a capture's spools, decoded bodies and artifacts go past memory to disk).

`LoginSite.log_in()` does what the form does and returns the cookies; `storage_state()` and
`cookies_txt()` write them as Playwright and browser extensions export them.
"""

import base64
import gzip
import json
import secrets
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, quote

HOST = "members.example.test"
HOSTS = (HOST,)
USERNAME = "sockpuppet"
PASSWORD = "correct horse battery staple"
HANDLE = "@sockpuppet"
TITLE = "Members only - Example Members"
ITEMS = ["Internal memo: shift rota for June", "Leaked slide deck, page 4", "Call notes 12:40"]
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==")
ARCHIVE = "/members/archive"
ARCHIVE_BYTES = 1536 * 1024
"""About the size of the archive page and of its API's decoded answer."""
HTML = ("Content-Type", "text/html; charset=utf-8")
JSON = ("Content-Type", "application/json")


@dataclass(frozen=True)
class Login:
    """The cookies one sign-in set."""

    sid: str
    csrf: str

    @property
    def secrets(self) -> frozenset[str]:
        """The values that must never be stored."""
        return frozenset({self.sid, self.csrf})


@dataclass(frozen=True)
class Request:
    """What the site reads of a request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes = b""


@dataclass(frozen=True)
class Reply:
    """Status, header fields and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class LoginSite:
    """The site's accounts and live sessions (`sid` -> handle, and each sid's CSRF token)."""

    sessions: dict[str, str] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)
    rotated: list[str] = field(default_factory=list)
    """Every sid the site handed out by rotation, in order."""
    api_calls: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def log_in(self, username: str = USERNAME, password: str = PASSWORD) -> Login:
        """Sign in as the form does; the new session's cookies."""
        if (username, password) != (USERNAME, PASSWORD):
            raise ValueError("wrong username or password")
        login = Login(secrets.token_hex(20), secrets.token_urlsafe(24))
        with self._lock:
            self.sessions[login.sid] = HANDLE
            self.csrf[login.sid] = login.csrf
        return login

    def expire(self, login: Login) -> None:
        """End a session (and every sid rotated from it) on the server's side."""
        with self._lock:
            ended = {sid for sid, token in self.csrf.items() if token == login.csrf}
            for sid in ended:
                self.sessions.pop(sid, None)
                self.csrf.pop(sid, None)

    def storage_state(self, login: Login) -> dict[str, object]:
        """The cookies as Playwright's `storage_state()` writes them."""
        cookie = {"domain": HOST, "path": "/", "expires": -1, "secure": True, "sameSite": "Lax"}
        return {
            "cookies": [
                {"name": "sid", "value": login.sid, "httpOnly": True, **cookie},
                {"name": "csrftoken", "value": login.csrf, "httpOnly": False, **cookie},
            ],
            "origins": [],
        }

    def cookies_txt(self, login: Login, expires: int = 2_000_000_000) -> str:
        """The cookies as a Netscape cookies.txt (the `#HttpOnly_` prefix on `sid`)."""
        rows = [
            f"#HttpOnly_{HOST}\tFALSE\t/\tTRUE\t{expires}\tsid\t{login.sid}",
            f"{HOST}\tFALSE\t/\tTRUE\t{expires}\tcsrftoken\t{login.csrf}",
        ]
        return "# Netscape HTTP Cookie File\n" + "\n".join(rows) + "\n"

    def handle(self, request: Request) -> Reply:
        """Answer one request to the site."""
        sid = _cookies(request.headers).get("sid")
        handle = self.sessions.get(sid or "")
        if request.path == "/login":
            return self._login(request)
        if request.path == "/members":
            return self._members(sid or "") if handle else _see_other(302, "/login?next=/members")
        if request.path == "/api/feed":
            return self._feed(request, sid or "", handle)
        if request.path == ARCHIVE:
            return self._archive(sid or "") if handle else _see_other(302, f"/login?next={ARCHIVE}")
        if request.path == "/api/archive":
            return self._archive_api(request, sid or "", handle)
        if request.path == "/pixel.gif":
            return Reply(200, [("Content-Type", "image/gif")], PIXEL)
        if request.path == "/":
            return _see_other(302, "/members")
        return Reply(404, [HTML], b"<h1>not found</h1>")

    def _login(self, request: Request) -> Reply:
        target = (request.query.get("next") or ["/members"])[0]
        if request.method != "POST":
            return Reply(200, [HTML], login_page(target))
        form = parse_qs(request.body.decode("utf-8", "replace"))
        try:
            login = self.log_in(form.get("username", [""])[0], form.get("password", [""])[0])
        except ValueError:
            return Reply(200, [HTML], login_page(target, "Wrong username or password."))
        reply = _see_other(303, target if target.startswith("/") else "/members")
        reply.headers.extend(
            [
                ("Set-Cookie", f"sid={login.sid}; Path=/; Secure; HttpOnly; SameSite=Lax"),
                ("Set-Cookie", f"csrftoken={login.csrf}; Path=/; Secure; SameSite=Lax"),
            ]
        )
        return reply

    def _members(self, sid: str) -> Reply:
        fresh = secrets.token_hex(20)
        with self._lock:
            self.sessions[fresh] = self.sessions[sid]
            self.csrf[fresh] = token = self.csrf[sid]
            self.rotated.append(fresh)
        headers = [HTML, ("Set-Cookie", f"sid={fresh}; Path=/; Secure; HttpOnly; SameSite=Lax")]
        return Reply(200, headers, members_page(self.sessions[fresh], token))

    def _feed(self, request: Request, sid: str, handle: str | None) -> Reply:
        if handle is None:
            return Reply(401, [JSON], b'{"error": "not logged in"}')
        sent = request.headers.get("X-CSRFToken") or ""
        self.api_calls.append({"sid": sid, "csrf": sent})
        if sent != self.csrf.get(sid):
            return Reply(403, [JSON], b'{"error": "CSRF token missing or wrong"}')
        answer = {"account": {"handle": handle}, "items": ITEMS, "session": sid, "csrf": sent}
        return Reply(200, [JSON], json.dumps(answer).encode())

    def _archive(self, sid: str) -> Reply:
        return Reply(200, [HTML], archive_page(self.sessions[sid], sid, self.csrf[sid]))

    def _archive_api(self, request: Request, sid: str, handle: str | None) -> Reply:
        if handle is None or request.headers.get("X-CSRFToken") != self.csrf.get(sid):
            return Reply(403, [JSON], b'{"error": "not logged in or CSRF token wrong"}')
        rows = _archive_rows(ARCHIVE_BYTES)
        half = len(rows) // 2
        answer = {"session": sid, "rows": rows[:half], "more": rows[half:], "last": sid}
        answer["csrf"] = self.csrf[sid]
        body = gzip.compress(json.dumps(answer).encode(), mtime=0)
        return Reply(200, [JSON, ("Content-Encoding", "gzip")], body)


def _archive_rows(size: int) -> list[str]:
    """Rows of the members' archive, about `size` bytes of them."""
    row = "entry {:06d} of the members' archive: minutes, rota and call notes"
    return [row.format(index) for index in range(size // (len(row) + 4))]


def archive_page(handle: str, sid: str, csrf: str) -> bytes:
    """The members' archive: past 1 MiB, echoing `sid` and `csrf` at its start, past its
    first MiB and at its end (in data no one sees drawn), and fetching `/api/archive`."""
    rows = _archive_rows(ARCHIVE_BYTES)
    cut = len(rows) * 3 // 4
    data = json.dumps({"session": sid, "rows": rows[:cut], "again": sid, "csrf": csrf})
    tail = json.dumps({"rows": rows[cut:], "session": sid, "csrf": csrf})
    script = """
const cookie = document.cookie.split("; ").find(c => c.startsWith("csrftoken="));
const csrf = (cookie || "csrftoken=").slice(10);
fetch("/api/archive", {headers: {"X-CSRFToken": csrf}})
  .then(r => r.json())
  .then(data => {
    document.getElementById("api").textContent =
      "archive answered: " + (data.rows.length + data.more.length) + " rows";
  });
"""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Archive - Example Members</title></head><body><p id="who">Signed in as {handle}</p>
<h1>Members' archive</h1><p id="api">archive not asked yet</p>
<script type="application/json" id="data">{data}</script>
<script type="application/json" id="tail">{tail}</script>
<script>{script}</script></body></html>""".encode()


def _cookies(headers: Message) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for value in headers.get_all("Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def _see_other(status: int, location: str) -> Reply:
    return Reply(status, [HTML, ("Location", location)], b"")


def login_page(target: str, error: str = "") -> bytes:
    """The sign-in form, posting back to /login with `next`."""
    warning = f'<p class="error">{error}</p>' if error else ""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Sign in - Example Members</title></head><body><main><h1>Sign in</h1>{warning}
<form method="post" action="/login?next={quote(target, safe="/")}">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></main></body></html>""".encode()


def members_page(handle: str, csrf: str) -> bytes:
    """The members' page: the handle, the items, and a script calling the API."""
    items = "".join(f"<li>{item}</li>" for item in ITEMS)
    script = """
const cookie = document.cookie.split("; ").find(c => c.startsWith("csrftoken="));
const csrf = (cookie || "csrftoken=").slice(10);
console.log("csrf token " + csrf);
const pixel = new Image(); pixel.src = "/pixel.gif?t=" + encodeURIComponent(csrf);
document.body.appendChild(pixel);
fetch("/api/feed", {headers: {"X-CSRFToken": csrf}})
  .then(r => r.json())
  .then(data => {
    document.getElementById("feed").textContent = JSON.stringify(data);
    document.getElementById("api").textContent = "API answered: " + data.items.length + " items";
  });
"""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>
</head><body><header><p id="who">Signed in as {handle}</p></header>
<main><h1>Members only</h1><ul id="items">{items}</ul>
<form id="settings"><input type="hidden" name="csrfmiddlewaretoken" value="{csrf}"></form>
<p id="api">API not called yet</p><pre id="feed" hidden></pre></main>
<script>{script}</script></body></html>""".encode()
