"""The fonts a page was drawn with, and the characters of its text no installed font covers.

Run as the `fonts` step once the page is shot and its DOM kept. A DevTools session reads each
frame's visible text in an isolated world (the page's own scripts cannot see or change what it
reads), and Chromium reports, per text node, the fonts its layout shaped the glyphs with
(`CSS.getPlatformFontsForNode`, called on the text node itself: its exact fonts and glyph
counts). Asking costs 0.5-1.5 ms per node (`DOM.requestNode`, then the fonts), too much for
every node of an article, so the nodes asked are those that bring a new pair of font style
(family list, weight, style, stretch, language) and block of code points (128 of them; all
of Han, all of Hangul), in document order, at most MAX_TEXT_NODES. Chromium falls back per
character, but fonts cover blocks, not single characters, so this names the faces the page
used (a block one style draws from two fonts may lose one); the glyph counts are those of the
nodes asked (`text_nodes_checked` of `text_nodes`).

Chromium reports a character no font covers under the font that drew its missing-glyph box,
so the boxes are found differently: every distinct character of the visible text is looked up
in the installed fonts' coverage (`fontcoverage`); those no installed font covers (and that need
a glyph at all) are looked up in the web fonts the page drew with (`webfonts`: their recorded
files' character maps); what is left is counted, kept in `details["missing_glyphs"]` and named
in a warning. A web font whose file was not recorded may cover such characters: the warning
says so.
"""

import asyncio
import contextlib
import json
from collections import Counter
from typing import Any

from playwright.async_api import CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from archive.errors import first_line
from collector.capture.fontcoverage import (
    Coverage,
    CoverageUnknown,
    installed_coverage,
    needs_glyph,
)
from collector.capture.run import CaptureRun
from collector.capture.webfonts import WebFontCoverage, web_font_coverage

MAX_TEXT_NODES = 200
"""Text nodes whose fonts Chromium is asked for (0.5-1.5 ms each), across all frames."""
MAX_FRAMES = 20
MAX_TEXT_CHARS = 4_000_000
"""Characters of visible text read per frame (twice the render limit's bytes); the rest is
not checked, and `text_truncated` says so."""
INSPECT_TIMEOUT_S = 5.0
"""A page whose fonts take longer to read is recorded without them (and says so)."""
MAX_LISTED = 100
"""Missing characters listed one by one (the most frequent first); all are counted."""
WORLD_NAME = "evidence-fonts"
OBJECT_GROUP = "evidence-fonts"
METHOD = "CDP CSS.getPlatformFontsForNode per text node; coverage from fontconfig charsets"

SCAN_SCRIPT = """(cap, maxChars) => {
  const root = document.body || document.documentElement;
  const counts = new Map(), seen = new Set(), styles = new Map(), chosen = [];
  let textNodes = 0, chars = 0, truncated = false;
  const styleOf = el => {
    let style = styles.get(el);
    if (style === undefined) {
      const s = getComputedStyle(el), lang = (el.closest('[lang]') || el).getAttribute('lang');
      style = [s.fontFamily, s.fontWeight, s.fontStyle, s.fontStretch, lang || ''].join('|');
      styles.set(el, style);
    }
    return style;
  };
  const walker = root && document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker && walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.data.trim() || !el.checkVisibility({visibilityProperty: true})) continue;
    if ((chars += n.data.length) > maxChars) { truncated = true; break; }
    textNodes++;
    let fresh = false, style = null;
    for (const ch of n.data) {
      counts.set(ch, (counts.get(ch) || 0) + 1);
      if (chosen.length >= cap) continue;
      style = style || styleOf(el);
      const cp = ch.codePointAt(0);
      const block = (cp >= 0x3400 && cp <= 0x9fff) || cp >= 0x20000 && cp <= 0x3ffff ? 'han'
        : cp >= 0xac00 && cp <= 0xd7af ? 'hangul' : cp >> 7;
      const key = style + '|' + block;
      if (!seen.has(key)) { seen.add(key); fresh = true; }
    }
    if (fresh) chosen.push(n);
  }
  const summary = {textNodes, truncated, counts: Object.fromEntries(counts)};
  return {summary: JSON.stringify(summary), nodes: chosen};
}"""
"""Counts every character of the frame's visible text nodes (up to `maxChars` UTF-16 units;
`truncated` past them) and picks the nodes to ask about: each node that brings a new (font
style, block) pair, up to `cap`; a block is 128 code points, but all of Han (its extensions
too) and all Hangul syllables are one block each, as fonts cover them whole."""


class FontReport:
    """What one page's text was drawn with, gathered frame by frame."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.glyphs: Counter[tuple[str, str, bool]] = Counter()
        self.text_nodes = 0
        self.checked = 0
        self.scanned: set[str] = set()
        """Ids of the frames scanned."""
        self.frames_unchecked: list[str] = []
        self.truncated = False
        """True when a frame had more visible text than MAX_TEXT_CHARS."""

    def fonts(self) -> dict[str, Any]:
        """`details["fonts"]`: each face with its glyph count, most used first."""
        families = [
            {"family": family, "postscript_name": name, "web_font": web, "glyphs": count}
            for (family, name, web), count in self.glyphs.most_common()
        ]
        fonts: dict[str, Any] = {
            "families": families,
            "text_nodes": self.text_nodes,
            "text_nodes_checked": self.checked,
            "frames_checked": len(self.scanned),
            "method": METHOD,
        }
        if self.frames_unchecked:
            fonts["frames_unchecked"] = self.frames_unchecked
        if self.truncated:
            fonts["text_truncated"] = True
        return fonts

    def web_faces(self) -> list[tuple[str, str]]:
        """(family, PostScript name) of each web font face the page drew with."""
        return sorted({(family, name) for family, name, web in self.glyphs if web})

    def uncovered(self, coverage: Coverage) -> Counter[str]:
        """The characters of the text that need a glyph no installed font has, counted."""
        return Counter(
            {
                ch: n
                for ch, n in self.counts.items()
                if needs_glyph(ch) and not coverage.covers(ord(ch))
            }
        )


def missing_glyphs(report: FontReport, coverage: Coverage, web: WebFontCoverage) -> dict[str, Any]:
    """`details["missing_glyphs"]`: characters neither an installed nor a read web font covers.

    `web_fonts` names the faces whose files could not be read: they may cover some of them;
    `all_frames_checked` and `text_truncated` say whether all of the page's text was read."""
    uncovered = report.uncovered(coverage)
    absent = Counter({ch: n for ch, n in uncovered.items() if ord(ch) not in web.code_points})
    listed = [
        {"code_point": f"U+{ord(ch):04X}", "character": ch, "count": n}
        for ch, n in absent.most_common(MAX_LISTED)
    ]
    faces = report.web_faces()
    unread = sorted({family for family, name in faces if not {family, name} & web.read})
    return {
        "characters": listed,
        "distinct": len(absent),
        "occurrences": sum(absent.values()),
        "web_fonts": unread,
        "web_fonts_read": sorted(web.read),
        "installed_fonts": coverage.fonts,
        "all_frames_checked": not report.frames_unchecked,
        "text_truncated": report.truncated,
    }


def missing_warning(missing: dict[str, Any]) -> str | None:
    """The capture's warning about missing-glyph boxes, or None when there are none."""
    if not missing["distinct"]:
        return None
    shown = ", ".join(f"{c['code_point']} ×{c['count']}" for c in missing["characters"][:5]) + (
        ", ..." if missing["distinct"] > 5 else ""
    )
    where = (
        f"; the page's web fonts ({', '.join(missing['web_fonts'])}) may draw them"
        if missing["web_fonts"]
        else " and show as missing-glyph boxes"
    )
    return (
        f"{missing['occurrences']} character(s) of the page's text ({missing['distinct']}"
        f" distinct: {shown}) have no glyph in any installed font{where}"
    )


async def record_fonts(run: CaptureRun, page: Page) -> None:
    """The `fonts` step: `details["fonts"]`, `details["missing_glyphs"]` and the warning.

    A failure to inspect (any error, or more than INSPECT_TIMEOUT_S) is recorded as such: the
    fonts are then unknown, the capture's evidence is unaffected, nothing is raised."""
    reading = asyncio.ensure_future(asyncio.to_thread(_coverage))  # read while Chromium answers
    try:
        async with asyncio.timeout(INSPECT_TIMEOUT_S):
            report = await inspect_page(page)
    except TimeoutError:
        reason = f"fonts not recorded: reading them took over {INSPECT_TIMEOUT_S:g} s"
        run.details["fonts"] = {"error": reason}
        run.warnings.append(reason)
        return
    except Exception as exc:  # noqa: BLE001  whatever the page did, the capture stands
        reason = f"fonts not recorded: {first_line(exc)}"
        run.details["fonts"] = {"error": reason}
        run.warnings.append(reason)
        return
    run.details["fonts"] = report.fonts()
    coverage = await reading
    if isinstance(coverage, str):
        run.details["missing_glyphs"] = {"error": f"not checked: {coverage}"}
        run.warnings.append(f"missing glyphs not checked: {coverage}")
        return
    uncovered = report.uncovered(coverage)
    faces = report.web_faces()
    web = WebFontCoverage()
    if uncovered and faces:
        used = {name for face in faces for name in face}
        web = await asyncio.to_thread(web_font_coverage, run.recorder.exchanges, used)
    missing = missing_glyphs(report, coverage, web)
    run.details["missing_glyphs"] = missing
    warning = missing_warning(missing)
    if warning is not None:
        run.warnings.append(warning)


def _coverage() -> Coverage | str:
    """The installed fonts' coverage, or why it is unknown."""
    try:
        return installed_coverage()
    except CoverageUnknown as exc:
        return str(exc)


async def inspect_page(page: Page) -> FontReport:
    """The fonts of every frame of `page` (at most MAX_FRAMES), each in its renderer's session.

    Frames in the page's process are reached through the page's DevTools session; a frame in
    another process (an out-of-process iframe: site isolation) has its own session."""
    report = FontReport()
    await _scan_session(await page.context.new_cdp_session(page), report, main=True)
    frames = page.frames
    if len(frames) > MAX_FRAMES:
        report.frames_unchecked.append(f"{len(frames) - MAX_FRAMES} frame(s) past {MAX_FRAMES}")
    for frame in frames[1:MAX_FRAMES]:
        if len(report.scanned) >= MAX_FRAMES:
            break
        try:
            session = await page.context.new_cdp_session(frame)
        except PlaywrightError:
            continue  # no session of its own: in the page's process, scanned with it
        try:
            await _scan_session(session, report, main=False)
        except PlaywrightError as exc:  # the frame went away meanwhile
            report.frames_unchecked.append(f"{frame.url}: {first_line(exc)}")
    return report


async def _scan_session(cdp: CDPSession, report: FontReport, main: bool) -> None:
    """Scan the frames one renderer's session holds, all at once; a failure to read the main
    frame is raised, one of another frame noted."""
    try:
        tree_answer = asyncio.ensure_future(cdp.send("Page.getFrameTree"))
        await cdp.send("DOM.enable")
        await asyncio.gather(cdp.send("CSS.enable"), cdp.send("DOM.getDocument", {"depth": 0}))
        frames = [
            f for f in _frames((await tree_answer)["frameTree"]) if f[0] not in report.scanned
        ]
        frames = frames[: MAX_FRAMES - len(report.scanned)]
        reads = await asyncio.gather(
            *(_read_frame(cdp, frame_id) for frame_id, _ in frames), return_exceptions=True
        )
        chosen: list[str] = []
        for index, ((frame_id, url), read) in enumerate(zip(frames, reads, strict=True)):
            if isinstance(read, PlaywrightError) and not (main and index == 0):
                report.frames_unchecked.append(f"{url}: {first_line(read)}")  # gone meanwhile
                continue
            if isinstance(read, BaseException):
                raise read
            summary, object_ids = read
            report.counts.update(summary["counts"])
            report.text_nodes += summary["textNodes"]
            report.truncated |= summary["truncated"]
            report.scanned.add(frame_id)
            chosen += object_ids[: MAX_TEXT_NODES - report.checked - len(chosen)]
        report.checked += len(chosen)
        for answer in await asyncio.gather(*(_fonts_of(cdp, object_id) for object_id in chosen)):
            for font in answer["fonts"]:
                key = (font["familyName"], font.get("postScriptName", ""), font["isCustomFont"])
                report.glyphs[key] += font["glyphCount"]
    finally:
        with contextlib.suppress(PlaywrightError):  # the page went away, and its session
            await cdp.send("Runtime.releaseObjectGroup", {"objectGroup": OBJECT_GROUP})
            await cdp.detach()


def _frames(tree: dict[str, Any]) -> list[tuple[str, str]]:
    """(id, url) of the frames of a `Page.getFrameTree` answer, its root first, breadth first."""
    found: list[tuple[str, str]] = []
    queue = [tree]
    while queue and len(found) < MAX_FRAMES:
        node = queue.pop(0)
        found.append((node["frame"]["id"], node["frame"].get("url", "")))
        queue.extend(node.get("childFrames", []))
    return found


async def _read_frame(cdp: CDPSession, frame_id: str) -> tuple[dict[str, Any], list[str]]:
    """A frame's character counts and text node count, and the text nodes to ask about."""
    world = await cdp.send(
        "Page.createIsolatedWorld", {"frameId": frame_id, "worldName": WORLD_NAME}
    )
    answer = await cdp.send(
        "Runtime.evaluate",
        {
            "expression": f"({SCAN_SCRIPT})({MAX_TEXT_NODES}, {MAX_TEXT_CHARS})",
            "contextId": world["executionContextId"],
            "objectGroup": OBJECT_GROUP,
        },
    )
    if "exceptionDetails" in answer:
        thrown = answer["exceptionDetails"]
        why = thrown.get("exception", {}).get("description") or thrown.get("text")
        raise PlaywrightError(f"text scan failed: {why}")
    fields = await _properties(cdp, answer["result"]["objectId"])
    nodes = await _properties(cdp, fields["nodes"]["objectId"])
    object_ids = [value["objectId"] for name, value in nodes.items() if name.isdigit()]
    return json.loads(fields["summary"]["value"]), object_ids


async def _fonts_of(cdp: CDPSession, object_id: str) -> dict[str, Any]:
    """Chromium's fonts of one text node (given as a remote object)."""
    node = await cdp.send("DOM.requestNode", {"objectId": object_id})
    return await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})


async def _properties(cdp: CDPSession, object_id: str) -> dict[str, dict[str, Any]]:
    """A remote object's own properties: name -> its RemoteObject."""
    answer = await cdp.send("Runtime.getProperties", {"objectId": object_id, "ownProperties": True})
    return {p["name"]: p.get("value", {}) for p in answer["result"]}
