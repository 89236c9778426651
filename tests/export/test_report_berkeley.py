"""The report per the Berkeley Protocol, read back from the printed PDF (pypdfium2: text, fonts
and pixels of each page) and from the HTML: who collected each item, when (UTC and the
collector's zone), how, from where, what was seen, hashes, TSA certificates, the article's own
capture under the article, page numbers, a contents list whose pages are right, handles with
"@", no empty placeholders, and every script and emoji drawn by a font that has it.

The package is one `evidence collect` of the test world's demo article (tweets whose pages
the world's stand-in for X's client draws, one of them served as metascraper recorded it,
without X's scripts, so it renders blank; a Telegram post, a plain link, a pasted signature
without a URL), made in the Europe/Berlin zone by a named investigator for a case whose name
mixes scripts and an emoji.
"""

import ctypes
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from cryptography import x509
from lxml import html as lxml_html
from sqlmodel import select

from archive import __version__
from archive.archive import Archive
from archive.export.report_capture import session_text, vantage_text
from archive.models import Artifact, Capture, Citation
from tests.export.checks import cli
from tests.provenance.tsa import LocalTsa
from tests.world.server import World
from tests.world.sites import FIXTURES, Recorded

pytestmark = pytest.mark.browser

ARTICLE = "https://www.example.test/news/volunteers.html"
INVESTIGATOR = "Jane Q. Investigator"
CASE = "Protest 😀 抗议 احتجاج विरोध"
ZONE = "Europe/Berlin"
BLANK_POST = "/Kikobeats/status/880139124791029763"
BLANK_PAGE = Recorded(
    200,
    [("Content-Type", "text/html; charset=utf-8")],
    (
        FIXTURES
        / "twitter-status-pages"
        / "metascraper__x.com_Kikobeats_880139124791029763_gif.html"
    ).read_bytes(),
)
"""The recorded x.com page as metascraper stored it: without X's scripts, it renders blank."""


def squash(text: str) -> str:
    """Text without whitespace (PDF text extraction breaks lines and words freely)."""
    return "".join(text.split())


@dataclass
class Printed:
    """The collected archive and its report, as PDF pages and as HTML."""

    archive: Archive
    home: Path
    pdf: Path
    pages: list[str]  # each page's text
    html: lxml_html.HtmlElement
    captures: list[Capture]
    artifacts: list[Artifact]
    citations: list[Citation]
    tsa: LocalTsa


@pytest.fixture(scope="module")
def printed(
    test_world: World, tsa: LocalTsa, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Printed]:
    home = tmp_path_factory.mktemp("berkeley") / "home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EVIDENCE_HOST_RESOLVER_RULES", test_world.resolver_rules)
        env.setenv("EVIDENCE_EXTRA_CA_FILE", str(test_world.ca_file))
        env.setenv("EVIDENCE_ALLOW_PRIVATE", "1")
        env.setenv("EVIDENCE_TIMEOUT_S", "20")
        env.setenv("EVIDENCE_TSA_URLS", f"{tsa.url}/tsa")
        env.setenv("EVIDENCE_TSA_CA_BUNDLE", str(tsa.bundle))
        env.setenv("TZ", ZONE)
        time.tzset()
        test_world.sites.override("x.com", BLANK_POST, BLANK_PAGE)
        try:
            code, out = cli(
                "collect", ARTICLE, "--case", CASE, "--investigator", INVESTIGATOR, home=home
            )
            assert code == 0, out
            source = re.search(r"Source (src_\w+)", out)
            assert source, out
            pdf, page = home.parent / "report.pdf", home.parent / "report.html"
            code, out = cli("export", source[1], "--format", "report", "-o", str(pdf), home=home)
            assert code == 0, out
            code, out = cli("export", source[1], "--format", "report", "-o", str(page), home=home)
            assert code == 0, out
        finally:
            test_world.sites.override("x.com", BLANK_POST, None)
            env.delenv("TZ")
            time.tzset()
    document = pypdfium2.PdfDocument(str(pdf))
    pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    document.close()
    archive = Archive.open(home)
    with archive.session() as session:
        captures = list(session.exec(select(Capture)))
        artifacts = list(session.exec(select(Artifact)))
        citations = list(session.exec(select(Citation).order_by(Citation.position)))
    try:
        yield Printed(
            archive, home, pdf, pages, lxml_html.fromstring(page.read_text()), captures,
            artifacts, citations, tsa,
        )  # fmt: skip
    finally:
        archive.close()


def _texts(printed: Printed) -> tuple[str, str]:
    """The whole PDF's and the HTML's visible text, squashed."""
    return squash("".join(printed.pages)), squash(printed.html.text_content())


def test_who_when_how_and_from_where_of_every_item(printed: Printed) -> None:
    pdf, page = _texts(printed)
    browsers = {f"{c.browser_name} {c.browser_version}" for c in printed.captures}
    agents = {c.user_agent for c in printed.captures}
    assert all(browsers) and all(agents)
    expected = [
        f"collectedby{squash(INVESTIGATOR)}", f"investigator{squash(INVESTIGATOR)}",
        f"toolevidence-collector{__version__}", *(f"browser{squash(b)}" for b in browsers),
        *(f"useragentsent{squash(a)}" for a in agents if a), "viewport1280x800",
        "browserlocaleen-US", "browsertimezoneUTC", f"collector'stimezone{ZONE}",
        f"collectingmachine{socket.gethostname()}(os", "methodautomatedcapture:Chromiumdriven",
        "sessionloggedout", "network route (vantage)direct, from the collecting machine",
        squash(CASE),
    ]  # fmt: skip
    for fact in expected:
        assert squash(fact) in pdf, fact
        assert squash(fact) in page, fact
    berlin = ZoneInfo(ZONE)
    for capture in printed.captures:
        local = capture.started_at.astimezone(berlin)
        both = squash(
            f"{capture.started_at:%Y-%m-%d %H:%M:%S} UTC · {local:%H:%M:%S} {local.tzname()} "
            f"({ZONE}, UTC+01:00)"
        )
        assert f"started{both}" in pdf, capture.id
        assert f"started{both}" in page, capture.id
    assert pdf.count(f"investigator{squash(INVESTIGATOR)}") == len(printed.captures)


def test_hashes_seals_and_tsa_by_certificate(printed: Printed) -> None:
    pdf, page = _texts(printed)
    for artifact in printed.artifacts:
        assert artifact.blob_sha256 in pdf and artifact.blob_sha256 in page, artifact.name
    for capture in printed.captures:
        assert capture.manifest_sha256 and capture.manifest_sha256 in pdf
        assert capture.signature and squash(capture.signature) in pdf
    leaf = x509.load_pem_x509_certificate((printed.tsa.pki / "tsa.crt").read_bytes())
    intermediate = x509.load_pem_x509_certificate(
        (printed.tsa.pki / "intermediate.crt").read_bytes()
    )
    subject = squash(f"TSA certificate: {leaf.subject.rfc4514_string()}")
    issuer = squash(f"issued by {intermediate.subject.rfc4514_string()}")
    serial = squash(f"serial {leaf.serial_number:x}")
    for text in (pdf, page):
        assert text.count(subject) == len(printed.captures), "one token per capture"
        assert issuer in text and serial in text
        assert leaf.fingerprint(leaf.signature_hash_algorithm).hex() in text  # type: ignore[arg-type]


def _section_pages(printed: Printed) -> dict[str, int]:
    """{squashed section title: page} as the contents list on the first page states them
    (one entry per line, ending in its page; a long title may wrap onto the next line)."""
    titles = [
        squash(a.text_content()) for a in printed.html.xpath("//nav//a[starts-with(@href, '#')]")
    ]
    stated, pending = {}, ""
    lines = printed.pages[0].splitlines()
    for line in lines[lines.index("Contents") + 1 :]:
        pending += line
        ends = re.search(r"\s(\d+)\s*$", pending)
        if ends:
            stated[squash(pending[: ends.start()])] = int(ends[1])
            pending = ""
    missing = [t for t in titles if t not in stated]
    assert not missing, f"no page in the contents for {missing}"
    return {title: stated[title] for title in titles}


def test_page_numbers_and_contents_point_at_their_headings(printed: Printed) -> None:
    total = len(printed.pages)
    assert total > 5
    for number, text in enumerate(printed.pages, start=1):
        assert squash(text).endswith(f"page{number}of{total}"), number
    listed = _section_pages(printed)
    assert len(listed) >= 10 and list(listed.values()) == sorted(listed.values())
    for title, number in listed.items():
        assert title in squash(printed.pages[number - 1]), f"{title} is not on page {number}"
        earlier = [p for p in range(1, number - 1) if title in squash(printed.pages[p])]
        assert not earlier, f"{title} first appears on page {earlier[0] + 1}, not {number}"


def test_the_article_capture_is_under_the_article(printed: Printed) -> None:
    article = next(c for c in printed.captures if c.target_id is None)
    listed = _section_pages(printed)
    start = next(n for t, n in listed.items() if t.startswith("3.1Thearticleascaptured"))
    end = next(n for t, n in listed.items() if t.startswith("3.2Citeditem"))
    pages = [n for n, text in enumerate(printed.pages, start=1) if article.id in squash(text)]
    shown = [n for n in pages if n > 1 and n not in range(listed["4Signedcheckpoint"], 10**6)]
    assert shown and all(start <= n <= end for n in shown), (shown, start, end)
    assert "Othercaptures" not in squash("".join(printed.pages))
    section = printed.html.get_element_by_id(f"{article.source_id}-capture")
    assert section.text_content().startswith("3.1 The article as captured")


def test_what_was_seen_and_what_is_missing(printed: Printed) -> None:
    pdf, page = _texts(printed)
    blank = [c for c in printed.captures if (c.details.get("page_verdict") or {}).get("verdict")
             == "blank"]  # fmt: skip
    assert len(blank) == 1, "the x.com page served without X's scripts renders blank"
    note = squash("What the page showed: the page was blank: ")
    assert page.count(note) == len(blank) and pdf.count(note) == len(blank)
    assert "theimageisthepostcard" in page
    images = printed.html.xpath("//img")
    alts = [img.get("alt") for img in images]
    media = [a for a in printed.artifacts if a.role == "media" and a.media_type.startswith("image")]
    assert media, "the UaSmart post has a photo"
    for artifact in media:
        assert any(alt.startswith(f"{artifact.name} of ") for alt in alts), artifact.name
    cards = [a for a in printed.artifacts if a.role == "evidence-card"]
    assert sum(alt.startswith("evidence-card.png of ") for alt in alts) == len(cards)
    unresolved = next(c for c in printed.citations if not c.url)
    missing = printed.html.get_element_by_id("missing").getnext().text_content()
    assert f"cited item {unresolved.position + 1}: not resolved: cited without a URL" in missing
    for capture in blank:
        assert f"capture {capture.id} (cited item" in missing
        assert "page verdict blank" in missing


def test_handles_carry_at_and_nothing_is_an_empty_placeholder(printed: Printed) -> None:
    text = printed.html.text_content()
    for citation in printed.citations:
        if citation.author_handle:
            assert f"@{citation.author_handle.lstrip('@')}" in text
            bare = re.findall(rf"(?<![@/=\w]){re.escape(citation.author_handle)}\b", text)
            assert not bare, f"{citation.author_handle} printed without @"
    assert "HTTP status / server IP" not in text
    for cell in printed.html.xpath("//table//td"):
        assert cell.text_content().strip() not in ("", "/", "None"), lxml_html.tostring(cell)
    assert " / \n" not in "\n".join(printed.pages)


def _glyphs(pdf: Path, wanted: str) -> dict[str, tuple[str, Any]]:
    """For each character of `wanted`, where it is first drawn: (font name as pdfium reports
    it, possibly empty for CID and Type 3 fonts; the rendered pixels of its box)."""
    document = pypdfium2.PdfDocument(str(pdf))
    found: dict[str, tuple[str, Any]] = {}
    scale = 4
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()  # kept: `raw` is freed with it
            raw = textpage.raw
            image = None
            count = pdfium_c.FPDFText_CountChars(raw)
            for i in range(count):
                code = pdfium_c.FPDFText_GetUnicode(raw, i)
                if 0xD800 <= code < 0xDC00 and i + 1 < count:  # a surrogate pair
                    low = pdfium_c.FPDFText_GetUnicode(raw, i + 1)
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                char = chr(code) if code < 0xD800 or code > 0xDFFF else ""
                if char not in wanted or not char or char in found:
                    continue
                name = ctypes.create_string_buffer(256)
                flags = ctypes.c_int()
                pdfium_c.FPDFText_GetFontInfo(raw, i, name, 256, ctypes.byref(flags))
                box = [ctypes.c_double() for _ in range(4)]
                pdfium_c.FPDFText_GetCharBox(raw, i, *(ctypes.byref(b) for b in box))
                left, right, bottom, top = (b.value for b in box)
                if image is None:
                    image = page.render(scale=scale).to_pil().convert("RGB")
                height = page.get_height()
                crop = image.crop(
                    (int(left * scale), int((height - top) * scale), int(right * scale) + 1,
                     int((height - bottom) * scale) + 1)
                )  # fmt: skip
                found[char] = (name.value.decode(), crop)
    finally:
        document.close()
    return found


def _pixels(image: Any) -> list[tuple[int, int, int]]:
    """Every RGB pixel of an image."""
    loaded = image.load()
    return [loaded[x, y] for y in range(image.height) for x in range(image.width)]


SAMPLES = {"😀": "NotoColorEmoji", "✨": "NotoColorEmoji", "抗": "NotoSansCJK",
           "议": "NotoSansCJK", "ا": "NotoSansArabic", "ح": "NotoSansArabic",
           "व": "NotoSansDevanagari", "ध": "NotoSansDevanagari"}  # fmt: skip
"""Characters of the case name and the RailsGirls post, and the Noto family that has each."""


def test_every_script_and_emoji_is_drawn_by_a_font_that_has_it(printed: Printed) -> None:
    embedded = set(re.findall(rb"/FontName\s*/[A-Z]{6}\+([\w-]+)", printed.pdf.read_bytes()))
    for family in set(SAMPLES.values()):
        assert any(name.startswith(family.encode()) for name in embedded), (family, embedded)
    glyphs = _glyphs(printed.pdf, "".join(SAMPLES))
    assert set(glyphs) == set(SAMPLES), f"not in the PDF's text: {set(SAMPLES) - set(glyphs)}"
    for char, (name, crop) in glyphs.items():
        assert not name or SAMPLES[char] in name, (char, name)
        inked = sum(1 for pixel in _pixels(crop) if min(pixel) < 128)
        assert inked > 0.05 * crop.width * crop.height, f"{char!r} draws (almost) nothing"
    for first, second in (("抗", "议"), ("ا", "ح"), ("व", "ध")):
        assert glyphs[first][1].tobytes() != glyphs[second][1].tobytes(), (
            f"{first!r} and {second!r} draw the same shape: missing-glyph boxes"
        )
    for emoji in ("😀", "✨"):
        crop = glyphs[emoji][1]
        hue = [p for p in _pixels(crop) if max(p) - min(p) > 80]  # a box is one grey: no hue
        assert len(hue) > 0.1 * crop.width * crop.height, f"{emoji!r} is not in colour"


def test_session_and_vantage_are_stated() -> None:
    assert session_text({}, {"persona": "logged out"}) == "logged out"
    session = {"session": {"name": "osint-1", "handle": "desk_account"}}
    assert session_text(session, {}) == "captured logged in as @desk_account (session osint-1)"
    unknown = {"session": {"name": "osint-2", "handle": None}}
    assert session_text(unknown, {}) == (
        "captured logged in as the account of session osint-2 (handle not recorded)"
    )
    assert (
        session_text({"session": {"name": None, "handle": "@desk"}}, {})
        == "captured logged in as @desk"
    )
    assert vantage_text({}, None) == "direct, from the collecting machine's own network"
    assert (
        vantage_text({}, "socks5://127.0.0.1:9050") == "through the proxy socks5://127.0.0.1:9050"
    )
    vantage = {"vantage": {"proxy": "http://nl.example:3128", "exit_ip": "203.0.113.7",
                           "corroborates": "cap_1"}}  # fmt: skip
    assert vantage_text(vantage, None) == (
        "second vantage point through http://nl.example:3128, exit IP 203.0.113.7, "
        "corroborating cap_1"
    )
