"""Generated pages shaped like news articles, served on 127.0.0.1: the capture benchmark's pages
and the lazy-image test's heavy page.

A news page (`/news/N.html`, about 100 KB in all) has a header, navigation, a long article,
its stylesheet, a favicon, a `fetch()` of its comments (rendered into the page) and three
images below the fold: one with native `loading="lazy"` and two loaded by a script when an
IntersectionObserver sees them, as news sites' lazy loaders do. The heavy page (`/heavy.html`,
about 2 MB) has 40 images: 10 plain, 10 native lazy and 20 script-lazy. Every heavy image is
a band of one colour of its own (`heavy_colour(i)`) over a band of noise (the bytes a real
photo would weigh), so a screenshot's pixels show which images were drawn.

Pages are generated from their number alone (the same bytes on every run). The server accepts
absolute-form request targets (`GET http://host/path`) as well as origin-form, as proxies that
forward requests unchanged send them, and `/ip` answers `127.0.0.1` as a "what is my
address" service would (a peer benchmarked beside the product asks one).
`python -m tests.world.news [--https]` serves on its own and prints its address as one JSON
line until stdin closes (the benchmarks run it so).
"""

import argparse
import io
import json
import random
import ssl
import sys
import tempfile
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image

NEWS_HOST = "news.example.test"
"""The name the pages are served under over HTTPS (mapped to 127.0.0.1 by resolver rules)."""
HEAVY_IMAGES = 40
HEAVY_PLAIN, HEAVY_NATIVE_LAZY = 10, 10
"""The first 10 heavy images load at once, the next 10 natively lazily, the rest by script."""
HEAVY_SIZE = (320, 180)
HEAVY_SOLID_ROWS = 132
"""The top rows of a heavy image are its colour; the rest is noise."""
PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
"""A 1x1 white GIF: what a script-lazy image shows until its script loads the real one."""
ARTICLE_TEXT = (
    "the minister said on tuesday that officials had reviewed footage posted online"
    " before the statement was withdrawn and a spokesperson declined to comment further"
    " while witnesses described the scene near the border crossing as calm but tense"
    " according to documents seen by reporters the convoy left the capital early"
)
WORDS = tuple(ARTICLE_TEXT.split())

LAZY_SCRIPT = """
<script>
(() => {
  const load = img => { img.src = img.dataset.src; img.classList.remove('js-lazy'); };
  const seen = new IntersectionObserver(entries => {
    for (const entry of entries) {
      if (entry.isIntersecting) { seen.unobserve(entry.target); load(entry.target); }
    }
  });
  document.querySelectorAll('img.js-lazy').forEach(img => seen.observe(img));
})();
</script>"""
COMMENTS_SCRIPT = """
<script>
fetch('%s').then(r => r.json()).then(data => {
  const list = document.getElementById('comments');
  for (const c of data.comments) {
    const item = document.createElement('li');
    item.textContent = c.author + ': ' + c.text;
    list.appendChild(item);
  }
});
</script>"""


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 26))]
    return " ".join(words).capitalize() + "."


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return [" ".join(_sentence(rng) for _ in range(4)) for _ in range(count)]


def heavy_colour(index: int) -> tuple[int, int, int]:
    """The colour of heavy image `index`: 40 colours at least 70 apart in some channel, none
    near white or grey placeholders."""
    levels_rg, levels_b = (20, 90, 160, 230), (40, 150, 250)
    palette = [
        (r, g, b)
        for r in levels_rg
        for g in levels_rg
        for b in levels_b
        if not (r == g and max(r, g) >= 160)  # keep away from greys and white
    ]
    return palette[index]


@lru_cache(maxsize=128)
def heavy_image(index: int) -> bytes:
    """Heavy image `index` as PNG: its colour over a band of seeded noise."""
    width, height = HEAVY_SIZE
    noise = random.Random(index).randbytes(width * (height - HEAVY_SOLID_ROWS) * 3)
    image = Image.new("RGB", HEAVY_SIZE, heavy_colour(index))
    band = Image.frombytes("RGB", (width, height - HEAVY_SOLID_ROWS), noise)
    image.paste(band, (0, HEAVY_SOLID_ROWS))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@lru_cache(maxsize=256)
def news_image(page: int, index: int) -> bytes:
    """A photo-like JPEG (gradient and seeded noise) of about 10 KB for a news page."""
    rng = random.Random(page * 10 + index)
    width, height = 640, 360
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), tuple(rng.randrange(40, 220) for _ in range(3)))
    small = (width // 4, height // 4)
    noise = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    image = Image.blend(Image.blend(base, tint, 0.6), noise.resize((width, height)), 0.15)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=40)
    return out.getvalue()


@lru_cache(maxsize=1)
def favicon() -> bytes:
    """A 32x32 ICO."""
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (180, 20, 40)).save(out, "ICO")
    return out.getvalue()


def news_css(page: int) -> bytes:
    """The page's stylesheet (about 12 KB: a site's layout, typography and components)."""
    rules = [
        "body{margin:0;font:18px/1.6 Georgia,serif;color:#222;background:#fff}",
        "header{background:#102a43;color:#fff;padding:16px 32px}",
        "nav a{color:#fff;margin-right:18px;text-decoration:none}",
        "article{max-width:760px;margin:0 auto;padding:24px}",
        "figure{margin:32px 0;background:#ddd;min-height:360px}",
        "figure img{display:block;width:640px;height:360px}",
        "#comments li{margin:8px 0;color:#444}",
    ]
    rng = random.Random(page)
    for i in range(260):
        rules.append(
            f".c{page}-{i}{{margin:{rng.randint(0, 24)}px;padding:{rng.randint(0, 16)}px;"
            f"color:#{rng.randrange(0x1000000):06x}}}"
        )
    return "\n".join(rules).encode()


def news_page(page: int) -> bytes:
    """News article `page` (about 45 KB of HTML)."""
    rng = random.Random(page)
    paragraphs = [f"<p>{p}</p>" for p in _paragraphs(rng, 22)]
    figures = [
        f'<figure><img loading="lazy" src="/news/{page}/img/0.jpg" width="640" height="360"'
        f' alt="photo 0"><figcaption>Photo 0</figcaption></figure>',
        *(
            f'<figure><img class="js-lazy" src="{PLACEHOLDER}" data-src="/news/{page}/img/{i}.jpg"'
            f' width="640" height="360" alt="photo {i}"><figcaption>Photo {i}</figcaption></figure>'
            for i in (1, 2)
        ),
    ]
    for offset, figure in zip((5, 11, 17), figures, strict=True):
        paragraphs.insert(offset, figure)
    nav = "".join(f'<a href="/section/{i}">Section {i}</a>' for i in range(8))
    related = "".join(
        f'<li><a href="/news/{page + i}.html">{_sentence(rng)}</a></li>' for i in range(1, 13)
    )
    state = json.dumps(  # the page's state as a site framework embeds it (`__NEXT_DATA__`)
        {"page": page, "teasers": [{"id": i, "title": _sentence(rng)} for i in range(200)]}
    )
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>News article {page}</title>"
        f'<meta property="og:title" content="News article {page}">'
        '<link rel="icon" href="/favicon.ico">'
        f'<link rel="stylesheet" href="/news/{page}.css"></head><body>'
        f"<header><h1>The Daily Example</h1><nav>{nav}</nav></header>"
        f"<article><h2>News article {page}</h2><p><em>By A. Reporter</em></p>"
        + "".join(paragraphs)
        + '<h3>Comments</h3><ul id="comments"></ul>'
        f"<h3>Related</h3><ul>{related}</ul></article>"
        + f'<script type="application/json" id="__NEXT_DATA__">{state}</script>'
        + LAZY_SCRIPT
        + COMMENTS_SCRIPT % f"/news/{page}/comments.json"
        + "</body></html>"
    )
    return html.encode()


def comments(page: int) -> bytes:
    """The comments the page's script fetches."""
    rng = random.Random(-page)
    items = [{"author": f"reader{i}", "text": _sentence(rng)} for i in range(5)]
    return json.dumps({"page": page, "comments": items}).encode()


def heavy_page() -> bytes:
    """The heavy page: 40 images in rows of three between paragraphs (about 2 MB in all)."""
    rng = random.Random(4040)
    width, height = HEAVY_SIZE
    cells = []
    for i in range(HEAVY_IMAGES):
        source = f"/heavy/img/{i}.png"
        if i < HEAVY_PLAIN:
            attrs = f'src="{source}"'
        elif i < HEAVY_PLAIN + HEAVY_NATIVE_LAZY:
            attrs = f'loading="lazy" src="{source}"'
        else:
            attrs = f'class="js-lazy" src="{PLACEHOLDER}" data-src="{source}"'
        cells.append(f'<img id="img{i}" {attrs} width="{width}" height="{height}" alt="{i}">')
    rows = []
    for start in range(0, HEAVY_IMAGES, 3):
        rows.append(f'<div class="row">{"".join(cells[start : start + 3])}</div>')
        rows.extend(f"<p>{p}</p>" for p in _paragraphs(rng, 2))
    style = (
        "body{margin:0;font:16px/1.5 sans-serif;background:#fff}"
        "main{width:1040px;margin:0 auto}.row{display:flex;gap:24px;margin:24px 0}"
        "img{display:block;background:#ddd}"
    )
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Heavy page</title>"
        f'<link rel="icon" href="/favicon.ico"><style>{style}</style></head><body><main>'
        "<h1>Forty images</h1>" + "".join(rows) + "</main>" + LAZY_SCRIPT + "</body></html>"
    )
    return html.encode()


def _route(path: str) -> tuple[bytes, str] | None:
    """The body and media type for `path`, or None."""
    parts = [p for p in path.split("/") if p]
    if path == "/favicon.ico":
        return favicon(), "image/x-icon"
    if path == "/ip":  # as icanhazip.com answers a tool asking for its public address
        return b"127.0.0.1\n", "text/plain"
    if path == "/heavy.html":
        return heavy_page(), "text/html; charset=utf-8"
    if len(parts) == 3 and parts[:2] == ["heavy", "img"] and parts[2].endswith(".png"):
        index = parts[2].removesuffix(".png")
        if index.isdigit() and int(index) < HEAVY_IMAGES:
            return heavy_image(int(index)), "image/png"
        return None
    if not parts or parts[0] != "news":
        return None
    if len(parts) == 2 and parts[1].endswith(".html") and parts[1][:-5].isdigit():
        return news_page(int(parts[1][:-5])), "text/html; charset=utf-8"
    if len(parts) == 2 and parts[1].endswith(".css") and parts[1][:-4].isdigit():
        return news_css(int(parts[1][:-4])), "text/css"
    if len(parts) >= 3 and parts[1].isdigit():
        page = int(parts[1])
        if parts[2:] == ["comments.json"]:
            return comments(page), "application/json"
        if len(parts) == 4 and parts[2] == "img" and parts[3] in ("0.jpg", "1.jpg", "2.jpg"):
            return news_image(page, int(parts[3][0])), "image/jpeg"
    return None


class NewsHandler(BaseHTTPRequestHandler):
    """Serves the generated pages; the request target may be absolute-form."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: benchmarks read timings, not access logs."""

    def do_GET(self) -> None:  # noqa: N802
        found = _route(urlsplit(self.path).path)
        body, media_type = found if found else (b"not found", "text/plain")
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=60")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that go away mid-response are expected; stay quiet."""


class NewsSite:
    """The generated site on an ephemeral 127.0.0.1 port, plain or over TLS; stop() ends it."""

    def __init__(self, tls_dir: Path | None = None) -> None:
        self.server = _Server(("127.0.0.1", 0), NewsHandler)
        self.ca_file: Path | None = None
        if tls_dir is not None:
            import trustme

            ca = trustme.CA()
            self.ca_file = tls_dir / "news-ca.pem"
            ca.cert_pem.write_to_path(str(self.ca_file))
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert(NEWS_HOST, "127.0.0.1").configure_cert(context)
            self.server.socket = context.wrap_socket(  # handshakes in the handler threads
                self.server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The port served on."""
        return int(self.server.server_address[1])

    @property
    def origin(self) -> str:
        """Where a client asks: `https://news.example.test:PORT` (resolver rules map the name)
        over TLS, `http://127.0.0.1:PORT` otherwise."""
        if self.ca_file is not None:
            return f"https://{NEWS_HOST}:{self.port}"
        return f"http://127.0.0.1:{self.port}"

    @property
    def resolver_rules(self) -> str:
        """Host resolver rules that send the site's name to this server."""
        return f"MAP {NEWS_HOST} 127.0.0.1"

    def start(self) -> "NewsSite":
        """Serve in a thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    """Serve until stdin reaches its end; print origin, CA and resolver rules as JSON."""
    parser = argparse.ArgumentParser(description="Serve the generated news pages.")
    parser.add_argument("--https", action="store_true", help="serve over TLS (a trustme CA)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="news-site-") as tmp:
        site = NewsSite(Path(tmp) if args.https else None).start()
        info = {
            "origin": site.origin,
            "port": site.port,
            "ca_file": str(site.ca_file) if site.ca_file else None,
            "resolver_rules": site.resolver_rules,
        }
        print(json.dumps(info), flush=True)
        try:
            sys.stdin.read()
        finally:
            site.stop()


if __name__ == "__main__":
    main()
