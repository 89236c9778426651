"""The fonts a page was drawn with, and the characters of its text no installed font covers.

Run as the `fonts` step once the page is shot and its DOM kept. A DevTools session reads each
frame's visible text in an isolated world (the page's own scripts cannot see or change what it
reads), and Chromium reports, per text node, the fonts its layout shaped the glyphs with
(`CSS.getPlatformFontsForNode`, called on the text node itself: its exact fonts and glyph
counts). Up to MAX_TEXT_NODES text nodes are asked; on a page with more, the nodes asked are
chosen so that every combination of character and font style (family list, weight, style,
stretch, language) on the page is among them, so the families are complete while the glyph
counts cover the nodes asked (`text_nodes_checked` of `text_nodes`).

Chromium reports a character no font covers under the font that drew its missing-glyph box,
so the boxes are found differently: every distinct character of the visible text is looked up
in the installed fonts' coverage (`fontcoverage`); those no installed font covers (and that need
a glyph at all) are counted, kept in `details["missing_glyphs"]` and named in a warning. When
the page drew with web fonts, which may cover such characters, the warning says so.
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

MAX_TEXT_NODES = 400
"""Text nodes whose fonts Chromium is asked for (about 0.3 ms each), across all frames."""
MAX_FRAMES = 20
MAX_LISTED = 100
"""Missing characters listed one by one (the most frequent first); all are counted."""
WORLD_NAME = "evidence-fonts"
OBJECT_GROUP = "evidence-fonts"
METHOD = "CDP CSS.getPlatformFontsForNode per text node; coverage from fontconfig charsets"

SCAN_SCRIPT = """(cap) => {
  const root = document.body || document.documentElement;
  const counts = new Map(), nodes = [];
  if (root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !n.data.trim() || !el.checkVisibility({visibilityProperty: true})) continue;
      nodes.push(n);
      for (const ch of n.data) counts.set(ch, (counts.get(ch) || 0) + 1);
    }
  }
  let chosen = nodes;
  if (nodes.length > cap) {
    const seen = new Set();
    chosen = [];
    for (const n of nodes) {
      if (chosen.length >= cap) break;
      const el = n.parentElement, s = getComputedStyle(el);
      const lang = (el.closest('[lang]') || el).getAttribute('lang') || '';
      const style = [s.fontFamily, s.fontWeight, s.fontStyle, s.fontStretch, lang].join('|');
      let fresh = false;
      for (const ch of new Set(n.data)) {
        const key = style + '|' + ch;
        if (!seen.has(key)) { seen.add(key); fresh = true; }
      }
      if (fresh) chosen.push(n);
    }
  }
  return {summary: JSON.stringify({textNodes: nodes.length, counts: Object.fromEntries(counts)}),
          nodes: chosen};
}"""
"""Counts every character of the frame's visible text nodes and picks the nodes to ask about."""


class FontReport:
    """What one page's text was drawn with, gathered frame by frame."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.glyphs: Counter[tuple[str, str, bool]] = Counter()
        self.text_nodes = 0
        self.checked = 0
        self.frames = 0
        self.frames_unchecked: list[str] = []

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
            "frames_checked": self.frames,
            "method": METHOD,
        }
        if self.frames_unchecked:
            fonts["frames_unchecked"] = self.frames_unchecked
        return fonts

    def web_fonts(self) -> list[str]:
        """Families of the web fonts the page drew with."""
        return sorted({family for family, _, web in self.glyphs if web})

    def missing(self, coverage: Coverage) -> dict[str, Any]:
        """`details["missing_glyphs"]`: the characters no installed font covers, counted."""
        absent = Counter(
            {
                ch: n
                for ch, n in self.counts.items()
                if needs_glyph(ch) and not coverage.covers(ord(ch))
            }
        )
        listed = [
            {"code_point": f"U+{ord(ch):04X}", "character": ch, "count": n}
            for ch, n in absent.most_common(MAX_LISTED)
        ]
        return {
            "characters": listed,
            "distinct": len(absent),
            "occurrences": sum(absent.values()),
            "web_fonts": self.web_fonts(),
            "installed_fonts": coverage.fonts,
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

    A failure to inspect is recorded as such (the fonts are then unknown, the capture's
    evidence is unaffected), never raised."""
    report = FontReport()
    try:
        await _inspect(page, report)
    except PlaywrightError as exc:
        reason = f"fonts not recorded: {first_line(exc)}"
        run.details["fonts"] = {"error": reason}
        run.warnings.append(reason)
        return
    run.details["fonts"] = report.fonts()
    try:
        coverage = await asyncio.to_thread(installed_coverage)
    except CoverageUnknown as exc:
        run.details["missing_glyphs"] = {"error": f"not checked: {exc}"}
        run.warnings.append(f"missing glyphs not checked: {exc}")
        return
    missing = report.missing(coverage)
    run.details["missing_glyphs"] = missing
    warning = missing_warning(missing)
    if warning is not None:
        run.warnings.append(warning)


async def _inspect(page: Page, report: FontReport) -> None:
    cdp = await page.context.new_cdp_session(page)
    try:
        await cdp.send("DOM.enable")
        await cdp.send("CSS.enable")
        await cdp.send("DOM.getDocument", {"depth": 0})
        tree = (await cdp.send("Page.getFrameTree"))["frameTree"]
        for frame_id in _frame_ids(tree)[:MAX_FRAMES]:
            try:
                await _scan_frame(cdp, frame_id, report)
            except PlaywrightError as exc:  # a frame in another process, or gone meanwhile
                report.frames_unchecked.append(first_line(exc))
            finally:
                await cdp.send("Runtime.releaseObjectGroup", {"objectGroup": OBJECT_GROUP})
    finally:
        with contextlib.suppress(PlaywrightError):  # the page went away, and its session
            await cdp.detach()


def _frame_ids(tree: dict[str, Any]) -> list[str]:
    """Frame ids of a `Page.getFrameTree` answer, the main frame first, breadth first."""
    ids: list[str] = []
    queue = [tree]
    while queue and len(ids) < MAX_FRAMES:
        node = queue.pop(0)
        ids.append(node["frame"]["id"])
        queue.extend(node.get("childFrames", []))
    return ids


async def _scan_frame(cdp: CDPSession, frame_id: str, report: FontReport) -> None:
    world = await cdp.send(
        "Page.createIsolatedWorld", {"frameId": frame_id, "worldName": WORLD_NAME}
    )
    cap = MAX_TEXT_NODES - report.checked
    answer = await cdp.send(
        "Runtime.evaluate",
        {
            "expression": f"({SCAN_SCRIPT})({cap})",
            "contextId": world["executionContextId"],
            "objectGroup": OBJECT_GROUP,
        },
    )
    if "exceptionDetails" in answer:
        raise PlaywrightError(f"text scan failed: {answer['exceptionDetails'].get('text')}")
    fields = await _properties(cdp, answer["result"]["objectId"])
    summary = json.loads(fields["summary"]["value"])
    nodes = await _properties(cdp, fields["nodes"]["objectId"])
    object_ids = [value["objectId"] for name, value in nodes.items() if name.isdigit()]
    requested = await asyncio.gather(
        *(cdp.send("DOM.requestNode", {"objectId": object_id}) for object_id in object_ids)
    )
    used = await asyncio.gather(
        *(cdp.send("CSS.getPlatformFontsForNode", {"nodeId": r["nodeId"]}) for r in requested)
    )
    for answer in used:
        for font in answer["fonts"]:
            key = (font["familyName"], font.get("postScriptName", ""), font["isCustomFont"])
            report.glyphs[key] += font["glyphCount"]
    report.counts.update(summary["counts"])
    report.text_nodes += summary["textNodes"]
    report.checked += len(object_ids)
    report.frames += 1


async def _properties(cdp: CDPSession, object_id: str) -> dict[str, dict[str, Any]]:
    """A remote object's own properties: name -> its RemoteObject."""
    answer = await cdp.send("Runtime.getProperties", {"objectId": object_id, "ownProperties": True})
    return {p["name"]: p.get("value", {}) for p in answer["result"]}
