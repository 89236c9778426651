"""Recorded real responses served under their real hostnames, plus the demo site.

Which recorded response answers which request (all files under tests/fixtures/, each with its
attribution in the README beside it):

- `publish.twitter.com/oembed?url=…/status/<id>`: the ruby-oembed recordings for posts
  702136612822634496 and 71633762, body bytes and headers as recorded (JSONP below);
- `x.com/<handle>/status/<id>`: metascraper's stored x.com pages for 934106870834454529 and
  880139124791029763, with the one script tag X's pages load (`CLIENT_URL`) added before
  `</body>` (metascraper stored them without X's scripts; nothing else is changed); for any
  other post, the x.com migrate interstitial that a client without X's cookies receives
  (oscarotero/Embed recording, for pepephone's post; for another post the world writes that
  post's path into the token's JSON, so the hop below leads back to it);
- `twitter.com/x/migrate?tok=…`, where the interstitial sends the browser: NOT a recording (none
  exists); modelled on what peers describe (x_lolo's login flow fetches this URL and continues
  on `https://x.com/…?mx=2`; OldTwitter issue #768 saw the hop end on a `?mx=` URL): the world
  reads the path from the token's JSON and redirects (302) to `https://x.com<path>?mx=2`;
- `x.com/<handle>/status/<id>?mx=2` (after the hop): the recorded page when there is one, else
  X's application shell, written for the project after metascraper's recorded x.com pages (the
  same empty `react-root` body, whose script is X's client at `CLIENT_URL`);
- `abs.twimg.com/responsive-web/client-web/main.js` (`CLIENT_URL`): NOT X's code, the world's
  stand-in for X's web client (`site/x-client-standin.js`, written for the project), because
  X's own scripts cannot be recorded or redistributed here. In the page it draws the post from
  a recorded answer only: the page's recorded metadata, else the post's recorded oEmbed answer;
  with neither, X's "Hmm...this page doesn't exist." page. Against real X, X's scripts draw it;
- `publish.twitter.com/oembed?url=…/status/<id>&callback=<name>` (JSONP, as the stand-in asks:
  the recorded answers send no CORS headers): the same recorded body, wrapped as `<name>(…);`
  with `Content-Type: application/javascript` (modelled, not a recording);
- `cdn.syndication.twimg.com/tweet-result`, and oEmbed for any other post: 503, "not recorded
  in this offline world" (no redistributable syndication recording exists, and a 404 would
  claim the post does not exist);
- `t.me/chollometro/28542`: metascraper's recorded Telegram post page (its `?embed=1` widget
  was never recorded anywhere, so that variant answers 503 "not recorded", like syndication);
- challenge, wall, "unavailable", blank and look-alike pages (`walls.py`, written for the
  project in the vendors' and platforms' own markup, origins noted there);
- `www.example.test/news/volunteers.html`: the demo article in `site/` (written for the project),
  and `/hostile.html`, a page that attacks whoever views its archived copy (security tests);
- `pbs.twimg.com/...`: a synthetic PNG made by the world (not a recording), so media downloads,
  hashing and thumbnails run against a real image server.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from tests.world import walls

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SITE = Path(__file__).resolve().parent / "site"
HOSTS = (
    "publish.twitter.com",
    "cdn.syndication.twimg.com",
    "t.me",
    "pbs.twimg.com",
    "twitter.com",
    "abs.twimg.com",
    *walls.HOSTS,
)
_STATUS = re.compile(r"^/(?P<handle>[A-Za-z0-9_]{1,15})/status/(?P<id>\d+)$")
_DROP = {"content-length", "transfer-encoding", "connection", "set-cookie", "content-encoding"}


@dataclass(frozen=True)
class Recorded:
    """One response to send: status, headers and the exact body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


NOT_RECORDED = Recorded(
    503, [("Content-Type", "text/plain")], b"not recorded in this offline world"
)
CLIENT_HOST = "abs.twimg.com"
CLIENT_PATH = "/responsive-web/client-web/main.js"
CLIENT_URL = f"https://{CLIENT_HOST}{CLIENT_PATH}"
"""Where X's pages load X's web client from; the world serves its stand-in there."""
CLIENT_TAG = (
    f'<script type="text/javascript" charset="utf-8" nonce="x" src="{CLIENT_URL}"></script>'
).encode()
X_APP_SHELL = Recorded(
    200,
    [("Content-Type", "text/html; charset=utf-8")],
    b'<!DOCTYPE html><html dir="ltr" lang="en"><head><meta charset="utf-8">'
    b'<meta name="viewport" content="width=device-width,initial-scale=1">'
    b'<link rel="preload" as="script" crossorigin="anonymous"'
    b' href="' + CLIENT_URL.encode() + b'"></head>'
    b'<body style="background-color: #FFFFFF;"><noscript><div>JavaScript is not available.'
    b'</div></noscript><div id="react-root" style="height:100%;display:flex;"></div>'
    + CLIENT_TAG
    + b"</body></html>",
)
"""X's application shell as served after the migrate hop (see the module docstring)."""
X_CLIENT_STANDIN = Recorded(
    200,
    [("Content-Type", "application/javascript; charset=utf-8")],
    (SITE / "x-client-standin.js").read_bytes(),
)
"""The world's stand-in for X's web client (NOT X's code; see the module docstring)."""
_CALLBACK = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]{0,63}$")
_TOKEN = re.compile(r"tok=([0-9a-f]+)")


def _headers(recorded: dict[str, list[str]] | dict[str, str]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, values in recorded.items():
        if name.lower() in _DROP:
            continue
        for value in values if isinstance(values, list) else [values]:
            pairs.append((name, value))
    return pairs


def _oembed(file: str) -> Recorded:
    data = json.loads((FIXTURES / "twitter-oembed" / file).read_text(encoding="utf-8"))
    return Recorded(int(data["status"]), _headers(data["headers"]), data["body_raw"].encode())


def _html(path: Path) -> Recorded:
    return Recorded(200, [("Content-Type", "text/html; charset=utf-8")], path.read_bytes())


def _with_client(page: Recorded) -> Recorded:
    """A recorded x.com page stored without X's scripts, with X's client tag put back."""
    head, end, tail = page.body.rpartition(b"</body>")
    assert end, "a recorded page without </body>"
    return Recorded(page.status, page.headers, head + CLIENT_TAG + end + tail)


def _jsonp(recorded: Recorded, callback: str) -> Recorded:
    """A recorded JSON answer as publish.twitter.com answers `callback=` (see above)."""
    if not _CALLBACK.match(callback):
        return Recorded(400, [("Content-Type", "text/plain")], b"bad callback")
    if recorded.status != 200:
        return recorded
    body = callback.encode() + b"(" + recorded.body + b");"
    return Recorded(200, [("Content-Type", "application/javascript; charset=utf-8")], body)


class Sites:
    """Looks up the recorded response for a request, or None when the site has none."""

    def __init__(self, picture: Callable[[int], bytes] | None = None) -> None:
        self.picture = picture
        self.overrides: dict[tuple[str, str], Recorded] = {}
        self.oembed = {
            "702136612822634496": _oembed(
                "ruby-oembed__oembed_702136612822634496_via_twitter.com.json"
            ),
            "71633762": _oembed("ruby-oembed__oembed_71633762_via_twitter.com.json"),
        }
        pages = FIXTURES / "twitter-status-pages"
        self.status_pages = {
            "934106870834454529": _with_client(
                _html(pages / "metascraper__x.com_UaSmart_934106870834454529_image.html")
            ),
            "880139124791029763": _with_client(
                _html(pages / "metascraper__x.com_Kikobeats_880139124791029763_gif.html")
            ),
        }
        recording = "oscarotero-embed__twitter.com_pepephone_436461658601713664_2024_redirect_to_x"
        interstitial = json.loads((pages / f"{recording}.json").read_text(encoding="utf-8"))
        self.interstitial = Recorded(
            int(interstitial["statusCode"]),
            [("Content-Type", "text/html; charset=utf-8")],
            interstitial["body"].encode(),
        )
        self.interstitial_path = interstitial["headers"]["location"][0].split("x.com", 1)[1]
        self.telegram = {
            "/chollometro/28542": _html(
                FIXTURES / "telegram" / "metascraper__post-full-image.html"
            ),
        }
        self.site = {
            "/news/volunteers.html": _html(SITE / "article.html"),
            "/hostile.html": _html(SITE / "hostile.html"),
        }

    def override(self, host: str, path: str, response: Recorded | None) -> None:
        """Answer `host` + `path` with `response` from now on (None: back to normal); lets a
        test change the world between two captures (a post deleted, a page gone)."""
        if response is None:
            self.overrides.pop((host, path), None)
        else:
            self.overrides[(host, path)] = response

    def lookup(self, host: str, path: str, query: dict[str, list[str]]) -> Recorded | None:
        """The response for `host` + `path` + `query`, if this world records one."""
        if (host, path) in self.overrides:
            return self.overrides[(host, path)]
        if host == "publish.twitter.com" and path == "/oembed":
            url = (query.get("url") or [""])[0]
            found = re.search(r"/status(?:es)?/(\d+)", url)
            recorded = (self.oembed.get(found.group(1)) if found else None) or NOT_RECORDED
            callback = query.get("callback")
            return _jsonp(recorded, callback[0]) if callback else recorded
        if host == "cdn.syndication.twimg.com" and path == "/tweet-result":
            return NOT_RECORDED
        wall = walls.PAGES.get((host, path))
        if wall is not None:
            return Recorded(wall.status, list(wall.headers), wall.body.encode())
        if host == CLIENT_HOST and path == CLIENT_PATH:
            return X_CLIENT_STANDIN
        if host == "twitter.com" and path == "/x/migrate":
            return self._migrate_hop(query)
        if host == "x.com":
            status = _STATUS.match(path)
            if status:
                recorded = self.status_pages.get(status.group("id"))
                if recorded is not None:
                    return recorded
                return X_APP_SHELL if "mx" in query else self._interstitial_for(path)
        if host == "t.me":
            return NOT_RECORDED if "embed" in query else self.telegram.get(path)
        if host == "www.example.test":
            return self.site.get(path)
        if host == "pbs.twimg.com" and self.picture is not None:
            return Recorded(200, [("Content-Type", "image/png")], self.picture(len(path)))
        return None

    def _interstitial_for(self, path: str) -> Recorded:
        """The recorded migrate interstitial, its token's JSON naming `path` (see above)."""
        if path == self.interstitial_path:
            return self.interstitial
        body = self.interstitial.body.decode()
        recorded = _TOKEN.search(body)
        assert recorded is not None
        token = recorded.group(1)
        data, mac = _read_token(token)
        data["e"] = path
        made = (json.dumps(data, separators=(",", ":")).encode() + mac).hex()
        return Recorded(
            self.interstitial.status,
            self.interstitial.headers,
            body.replace(token, made).encode(),
        )

    @staticmethod
    def _migrate_hop(query: dict[str, list[str]]) -> Recorded:
        """twitter.com's migrate hop: back to x.com at the token's path, with `?mx=2`."""
        try:
            path = _read_token((query.get("tok") or [""])[0])[0]["e"]
        except (ValueError, KeyError, TypeError):
            return Recorded(400, [("Content-Type", "text/plain")], b"bad migrate token")
        location = f"https://x.com{quote(path, safe='/?=&')}?mx=2"
        return Recorded(302, [("Location", location), ("Content-Type", "text/html")], b"")


def _read_token(token: str) -> tuple[dict, bytes]:
    """A migrate token's JSON (`{"e": path, "t": time}`) and the MAC bytes after it."""
    raw = bytes.fromhex(token)
    end = raw.index(b"}") + 1
    return json.loads(raw[:end]), raw[end:]
