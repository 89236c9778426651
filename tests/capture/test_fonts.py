"""Glyphs for every script: real Chromium draws each script and colour emoji, and a capture
records its fonts and warns about characters no installed font covers.

These tests fail (never skip) on a machine without the fonts `make install` provides
(scripts/ensure_fonts.py), so CI proves they were installed.
"""

import asyncio
import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from PIL import Image, ImageChops
from playwright.async_api import async_playwright

from archive.vocabulary import CaptureStatus
from collector.capture import fonts
from collector.capture.browser import choose_chromium, launch_args
from collector.capture.fontcoverage import CoverageUnknown, needs_glyph, parse_charsets
from collector.capture.result import CaptureResult
from collector.capture.settings import CaptureSettings

LETTERS = {
    "Cyrillic": "ЖЩЯ",
    "CJK": "字書國",
    "Arabic": "عشض",
    "Hebrew": "שאל",
    "Devanagari": "कखञ",
    "Thai": "กขฮ",
    "Georgian": "ლბჟ",
    "Armenian": "ԱՖՋ",
}
EMOJI = ["😀", "🤬", "🇨🇳"]
PHRASES = (
    "Съешь же ещё этих мягких французских булок · 我能吞下玻璃而不伤身体 · أنا قادر على أكل الزجاج"
    " · אני יכול לאכול זכוכית · मैं काँच खा सकता हूँ · ฉันกินกระจกได้ · მინას ვჭამ"
    " · Կրնամ ապակի ուտել · 🇨🇳🤬"
)
NO_FONT = "\U0010fffd"
"""A private-use character no installed font covers: drawn as the missing-glyph box."""
CELL = 100
COLUMNS = 10
INSTALL_HINT = "install the fonts: `make install` (scripts/ensure_fonts.py)"


def _cells() -> list[tuple[str, str]]:
    """(label, text) of each grid cell: the box reference first, then every letter, emoji."""
    cells = [("missing-glyph box", NO_FONT)]
    cells += [(f"{script} {ch!r}", ch) for script, letters in LETTERS.items() for ch in letters]
    return cells + [(f"emoji {e!r}", e) for e in EMOJI]


def _scripts_page() -> str:
    spans = "".join(
        f'<span style="left:{i % COLUMNS * CELL}px;top:{i // COLUMNS * CELL}px">{text}</span>'
        for i, (_, text) in enumerate(_cells())
    )
    return (
        "<!doctype html><meta charset=utf-8><title>scripts</title><style>"
        "body{margin:0;background:#fff;color:#000}"
        f"span{{position:absolute;width:{CELL}px;height:{CELL}px;line-height:{CELL}px;"
        "text-align:center;font:56px sans-serif;overflow:hidden}"
        f"p{{position:absolute;top:{5 * CELL}px;font:16px sans-serif}}</style>"
        f"<body>{spans}<p>{PHRASES}</p>"
    )


def _many_nodes_page() -> str:
    latin = "".join(f"<p>Paragraph {i}: the quick brown fox jumps.</p>" for i in range(600))
    return (
        f"<!doctype html><meta charset=utf-8><body>{latin}"
        "<p>ฉันกินกระจกได้</p><p lang=zh-CN>我能吞下玻璃而不伤身体</p>"
    )


PUA = "\ue000"
"""Covered by no installed font, but by the page's own web font (`_pua_font`)."""


def _web_font_page(source: str) -> str:
    return (
        "<!doctype html><meta charset=utf-8><style>@font-face{font-family:Served;"
        f"src:url({source})}}p{{font-family:Served,sans-serif}}</style>"
        f"<body><p>Served by the page {PUA}{PUA}</p>"
    )


def _pua_font() -> bytes:
    """A TrueType font drawing U+E000 as a bar (and nothing else)."""
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "bar"])
    builder.setupCharacterMap({ord(PUA): "bar"})
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    for point in ((100, 700), (600, 700), (600, 0)):
        pen.lineTo(point)
    pen.closePath()
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "bar": pen.glyph()})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "bar": (700, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Evidence PUA", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


class _Pages(BaseHTTPRequestHandler):
    routes: dict[str, tuple[str, bytes]] = {}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        content_type, body = self.routes.get(self.path, ("text/plain", b""))
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    """A local server of the test pages; yields its base URL."""
    html = "text/html; charset=utf-8"
    inline = base64.b64encode(_pua_font()).decode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    other_site = f"http://localhost:{server.server_port}"
    _Pages.routes = {
        "/scripts": (html, _scripts_page().encode()),
        "/frames": (
            html,
            f"<!doctype html><meta charset=utf-8><p>outer</p><iframe src={other_site}/inner>"
            "</iframe><iframe srcdoc='<p>š</p>'></iframe>".encode(),
        ),
        "/inner": (html, f"<!doctype html><meta charset=utf-8><p>ฉ ก {NO_FONT}</p>".encode()),
        "/plain": (html, b"<!doctype html><meta charset=utf-8><p>Plain Latin text only.</p>"),
        "/many": (html, _many_nodes_page().encode()),
        "/web-font": (html, _web_font_page("/pua.ttf").encode()),
        "/pua.ttf": ("font/ttf", _pua_font()),
        "/inline-font": (html, _web_font_page(f"data:font/ttf;base64,{inline}").encode()),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(10)


def _viewport(result: CaptureResult) -> Image.Image:
    shot = next(a for a in result.artifacts if a.role == "screenshot-viewport")
    return Image.open(io.BytesIO(shot.data)).convert("RGB")


def _crop(image: Image.Image, index: int) -> Image.Image:
    left, top = index % COLUMNS * CELL, index // COLUMNS * CELL
    return image.crop((left, top, left + CELL, top + CELL))


def _ink(cell: Image.Image) -> list[tuple[int, ...]]:
    """The RGB pixels of a cell that are not (near) white."""
    pixels = zip(*[iter(cell.tobytes())] * 3, strict=True)
    return [p for p in pixels if min(p) < 200]


@pytest.fixture(scope="module")
def scripts_capture(engine, pages) -> CaptureResult:
    result = engine.capture(f"{pages}/scripts")
    assert result.status == CaptureStatus.COMPLETE, result.status_reason
    return result


@pytest.mark.browser
def test_every_script_and_emoji_draws_real_distinct_glyphs(scripts_capture):
    image = _viewport(scripts_capture)
    cells = [_crop(image, i) for i in range(len(_cells()))]
    box = cells[0]
    assert len(_ink(box)) > 50, "the missing-glyph reference drew nothing"
    seen: dict[str, str] = {}
    for (label, text), cell in zip(_cells()[1:], cells[1:], strict=True):
        code_points = " ".join(f"U+{ord(c):04X}" for c in text)
        assert len(_ink(cell)) > 30, f"{label} ({code_points}) drew nothing; {INSTALL_HINT}"
        assert ImageChops.difference(cell, box).getbbox() is not None, (
            f"{label} ({code_points}) renders as the missing-glyph box; {INSTALL_HINT}"
        )
        digest = hashlib.sha256(cell.tobytes()).hexdigest()
        assert digest not in seen, f"{label} draws the same image as {seen[digest]}"
        seen[digest] = label


@pytest.mark.browser
def test_emoji_are_in_colour(scripts_capture):
    image = _viewport(scripts_capture)
    first = 1 + sum(len(letters) for letters in LETTERS.values())
    for offset, emoji in enumerate(EMOJI):
        ink = _ink(_crop(image, first + offset))
        coloured = [p for p in ink if max(p) - min(p) > 60]
        assert len(coloured) > len(ink) / 4, (
            f"emoji {emoji!r} is drawn without colour; {INSTALL_HINT}"
        )


@pytest.mark.browser
def test_capture_records_fonts_and_the_uncovered_character(scripts_capture):
    details = scripts_capture.details
    families = {f["family"] for f in details["fonts"]["families"]}
    assert {"Noto Color Emoji", "Noto Sans Devanagari", "Noto Sans Thai"} <= families, families
    assert any(f.startswith("Noto Sans CJK") for f in families), families
    assert all(f["glyphs"] > 0 and not f["web_font"] for f in details["fonts"]["families"])
    # a node per new block: the box, one per script (Han is one block), three for the emoji
    # (each in another block of 128), and the phrases (Latin)
    assert (details["fonts"]["text_nodes"], details["fonts"]["text_nodes_checked"]) == (29, 13)
    missing = details["missing_glyphs"]
    assert missing["characters"] == [
        {"code_point": "U+10FFFD", "character": NO_FONT, "count": 1}
    ], f"characters besides the reference have no font; {INSTALL_HINT}"
    assert (missing["distinct"], missing["occurrences"], missing["web_fonts"]) == (1, 1, [])
    assert missing["web_fonts_read"] == []
    [warning] = details["warnings"]
    assert "U+10FFFD ×1" in warning and "missing-glyph boxes" in warning
    assert warning not in details["problems"]
    assert scripts_capture.summary()["warnings"] == [warning]


@pytest.mark.browser
def test_covered_text_has_no_warning(engine, pages):
    result = engine.capture(f"{pages}/plain")
    assert result.status == CaptureStatus.COMPLETE, result.status_reason
    assert result.details["missing_glyphs"]["distinct"] == 0
    assert result.details["warnings"] == []
    assert result.details["fonts"]["families"], "no font recorded for the page's text"


@pytest.mark.browser
def test_many_text_nodes_still_name_every_font(engine, pages):
    details = engine.capture(f"{pages}/many").details["fonts"]
    assert details["text_nodes"] == 602
    assert details["text_nodes_checked"] == 3  # the first Latin paragraph, Thai, Chinese
    families = {f["family"] for f in details["families"]}
    assert "Noto Sans Thai" in families and any("CJK" in f for f in families), families


@pytest.mark.browser
def test_a_recorded_web_font_covers_what_installed_fonts_do_not(engine, pages):
    result = engine.capture(f"{pages}/web-font")
    web = [f for f in result.details["fonts"]["families"] if f["web_font"]]
    assert [f["family"] for f in web] == ["Evidence PUA"], result.details["fonts"]
    missing = result.details["missing_glyphs"]
    assert (missing["distinct"], missing["web_fonts"]) == (0, []), missing
    assert missing["web_fonts_read"] == ["Evidence PUA"]
    assert result.details["warnings"] == []


@pytest.mark.browser
def test_an_unrecorded_web_font_is_named_in_the_warning(engine, pages):
    result = engine.capture(f"{pages}/inline-font")
    missing = result.details["missing_glyphs"]
    assert missing["characters"] == [{"code_point": "U+E000", "character": PUA, "count": 2}]
    assert (missing["web_fonts"], missing["web_fonts_read"]) == (["Evidence PUA"], [])
    [warning] = result.details["warnings"]
    assert "the page's web fonts (Evidence PUA) may draw them" in warning


@pytest.mark.browser
def test_unknown_coverage_and_failed_inspection_are_recorded_not_hidden(engine, pages, monkeypatch):
    def no_fontconfig() -> None:
        raise CoverageUnknown("fontconfig's fc-list is not installed")

    monkeypatch.setattr(fonts, "installed_coverage", no_fontconfig)
    result = engine.capture(f"{pages}/plain")
    assert result.status == CaptureStatus.COMPLETE, result.status_reason
    assert result.details["fonts"]["families"]
    reason = "not checked: fontconfig's fc-list is not installed"
    assert result.details["missing_glyphs"] == {"error": reason}
    assert result.details["warnings"] == [f"missing glyphs {reason}"]

    monkeypatch.setattr(fonts, "SCAN_SCRIPT", "(cap) => { throw new Error('scan broke'); }")
    result = engine.capture(f"{pages}/plain")
    assert result.status == CaptureStatus.COMPLETE, result.status_reason
    assert "scan broke" in result.details["fonts"]["error"]
    assert "missing_glyphs" not in result.details
    assert result.details["warnings"] == [result.details["fonts"]["error"]]


@pytest.mark.browser
def test_text_frame_and_time_bounds_are_recorded(engine, pages, monkeypatch):
    monkeypatch.setattr(fonts, "MAX_TEXT_CHARS", 1000)
    details = engine.capture(f"{pages}/many").details
    assert details["fonts"]["text_truncated"] and details["missing_glyphs"]["text_truncated"]
    assert 0 < details["fonts"]["text_nodes"] < 602

    monkeypatch.setattr(fonts, "MAX_FRAMES", 2)
    details = engine.capture(f"{pages}/frames").details
    assert details["fonts"]["frames_checked"] == 2
    assert details["fonts"]["frames_unchecked"] == ["1 frame(s) past 2"]
    assert details["missing_glyphs"]["all_frames_checked"] is False

    monkeypatch.setattr(fonts, "INSPECT_TIMEOUT_S", 0.001)
    result = engine.capture(f"{pages}/many")
    assert not any("font" in problem for problem in result.details["problems"])
    error = "fonts not recorded: reading them took over 0.001 s"
    assert result.details["fonts"] == {"error": error}
    assert result.details["warnings"] == [error]


@pytest.mark.browser
def test_frames_in_and_out_of_the_page_process_are_read(pages):
    """Same-process frames through the page's session, isolated ones through their own."""

    async def inspect() -> fonts.FontReport:
        async with async_playwright() as playwright:
            choice = choose_chromium(playwright, CaptureSettings())
            browser = await playwright.chromium.launch(
                executable_path=choice.executable, args=[*launch_args(), "--site-per-process"]
            )
            try:
                page = await browser.new_page()
                await page.goto(f"{pages}/frames")
                assert len(page.frames) == 3
                return await fonts.inspect_page(page)
            finally:
                await browser.close()

    report = asyncio.run(inspect())
    assert len(report.scanned) == 3 and report.frames_unchecked == []
    assert report.counts["ก"] == 1 and report.counts[NO_FONT] == 1 and report.counts["š"] == 1
    assert "Noto Sans Thai" in {family for family, _, _ in report.glyphs}


@pytest.mark.browser
def test_cli_capture_and_show_print_the_warning(pages, tmp_path):
    evidence = str(Path(sys.executable).with_name("evidence"))
    env = {**os.environ, "EVIDENCE_HOME": str(tmp_path), "EVIDENCE_ALLOW_PRIVATE": "1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [evidence, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    done = run("capture", f"{pages}/scripts")
    assert done.returncode == 0, done.stderr
    assert "warning: 1 character(s)" in done.stderr and "U+10FFFD" in done.stderr
    [row] = json.loads(run("list", "captures", "--json").stdout)
    assert row["status"] == CaptureStatus.COMPLETE
    shown = run("show", row["id"])
    assert shown.returncode == 0, shown.stderr
    assert "warning: 1 character(s)" in shown.stderr


def test_coverage_merges_ranges_of_usable_fonts_only():
    listing = "TrueType\t20-7e a0-ff\nCFF\t100-17f 5d0\nType 1\t400-4ff\nTrueType\t\n"
    coverage = parse_charsets(listing)
    assert coverage.fonts == 3
    assert (coverage.starts, coverage.ends) == ((0x20, 0xA0, 0x5D0), (0x7E, 0x17F, 0x5D0))
    assert coverage.covers(0x41) and coverage.covers(0x17F) and coverage.covers(0x5D0)
    assert not coverage.covers(0x1F) and not coverage.covers(0x416) and not coverage.covers(0x5D1)


def test_characters_drawn_as_nothing_never_count_as_missing():
    for character in ("\u200d", "\ufe0f", "\u00ad", " ", "\n", "\u00a0", "\U000e0067"):
        assert not needs_glyph(character), f"U+{ord(character):04X}"
    for character in ("A", "字", "\U0010fffd", "\ue000", "\u0301"):
        assert needs_glyph(character), f"U+{ord(character):04X}"


def test_warning_lists_the_most_frequent_first():
    missing = {
        "characters": [
            {"code_point": f"U+E00{i}", "character": chr(0xE000 + i), "count": 9 - i}
            for i in range(7)
        ],
        "distinct": 7,
        "occurrences": 42,
        "web_fonts": [],
    }
    warning = fonts.missing_warning(missing)
    assert warning is not None
    assert warning.startswith("42 character(s) of the page's text (7 distinct: U+E000 ×9,")
    assert "U+E004 ×5, ..." in warning and "U+E005" not in warning
    assert fonts.missing_warning({**missing, "distinct": 0}) is None


def _ensure_fonts(tmp_path: Path, fontconfig_file: Path | None) -> subprocess.CompletedProcess[str]:
    """scripts/ensure_fonts.py with only fc-list on the PATH (no apt-get: nothing installed)."""
    tools = tmp_path / "bin"
    tools.mkdir(exist_ok=True)
    fc_list = tools / "fc-list"
    if not fc_list.exists():
        fc_list.symlink_to("/usr/bin/fc-list")
    env = {"PATH": str(tools), "HOME": str(tmp_path)}
    if fontconfig_file is not None:
        env["FONTCONFIG_FILE"] = str(fontconfig_file)
    script = Path(__file__).resolve().parents[2] / "scripts" / "ensure_fonts.py"
    return subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
    )


def test_ensure_fonts_finds_this_machine_covered(tmp_path):
    done = _ensure_fonts(tmp_path, None)
    assert done.returncode == 0
    assert done.stdout.strip() == "fonts: 14 scripts and colour emoji covered", (
        f"{done.stdout}{done.stderr}; {INSTALL_HINT}"
    )


def test_ensure_fonts_names_what_is_missing_and_how_to_install_it(tmp_path):
    dejavu_only = tmp_path / "fonts.conf"
    dejavu_only.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{tmp_path}/cache</cachedir>"
        "</fontconfig>"
    )
    done = _ensure_fonts(tmp_path, dejavu_only)
    assert done.returncode == 0  # missing fonts never fail the install
    assert done.stderr.splitlines()[0] == (
        "fonts: no installed font draws Devanagari, Bengali, Thai, Ethiopic, Chinese,"
        " Japanese kana, Korean, colour emoji: pages may show missing-glyph boxes."
        " Install the Noto fonts:"
    )
    assert "apt-get install -y --no-install-recommends fontconfig fonts-noto-core" in done.stderr
    assert "dnf install" in done.stderr and "pacman -S" in done.stderr
