"""How the capture browser presents itself to a page: as the same Chromium a person runs, with
no automation tells, and the exact record of what the tool changed to get there.

Playwright's headless Chromium announces itself in several places a page (and a bot manager)
reads; Fingerprint BotD 2.0 flags each of them. Every change below makes the browser show what
a person's Chromium of the same build shows, nothing more, and only when the browser does not
already show it (`plan` compares with what the browser itself reports at launch):

- `navigator.webdriver`: set by Playwright's default `--enable-automation` and by headless
  mode itself; the flag is dropped from Playwright's defaults and Blink's
  `AutomationControlled` feature is disabled.
- the user agent: `HeadlessChrome/<full version>` becomes `Chrome/<major>.0.0.0`, the reduced
  form every Chrome since 110 sends (the full browser already reduces it; the headless shell
  does not). It is given as the `--user-agent` launch flag, so it is the browser's own in every
  page, frame (also out of process), worker and popup from their first request: the browser
  is started once as it is to read what it shows, then again with the flag.
- `navigator.userAgentData` and the `Sec-CH-UA*` headers: the headless builds list a
  `HeadlessChrome` brand; the browser's own metadata without it is sent with the user agent
  through CDP `Emulation.setUserAgentOverride`, on the capture's page before it navigates
  (its frames in the same process and its workers inherit it) and on each popup once it is
  open. Playwright's own `user_agent` option is not used: the metadata it sends has no brands,
  which leaves workers with an empty brand list.
- notifications: the headless shell answers `Notification.permission` "denied" while the
  permission query says "prompt", an inconsistency no person's browser has; the context's
  notification permission is set to "denied" (CDP `Browser.setPermission`), as for a person who
  blocked notifications, which the headless shell in fact cannot show.
- plugins: a build without a PDF viewer (the headless shell) lists no plugins, while every
  desktop Chrome lists the same fixed five PDF entries; `scripts/pdf-plugins.js` supplies them
  (the one injected script, recorded with its SHA-256; it adds nothing to the document).

Written here rather than taken from a stealth library (puppeteer-extra-plugin-stealth,
playwright-stealth): those patch many more properties unconditionally, with no record of what
was changed; this tool must change only what is needed and say exactly what it changed.
"""

import asyncio
import contextlib
import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any

from playwright.async_api import BrowserContext, CDPSession, Page
from playwright.async_api import Error as PlaywrightError

ADDED_FLAGS = ("--disable-blink-features=AutomationControlled",)
"""Chromium flags added so `navigator.webdriver` is false, as in a person's browser."""
REMOVED_DEFAULT_FLAGS = ("--enable-automation",)
"""Playwright's default flags left out (`ignore_default_args`): it sets navigator.webdriver."""
HEADLESS_BRAND = "HeadlessChrome"
PROBE_URL = "https://browser-probe.invalid/"
"""Answered by a route in the probe context, never sent: `navigator.userAgentData` exists only
in a secure context, which about:blank is not."""
HIGH_ENTROPY_HINTS = (
    "architecture",
    "bitness",
    "formFactors",
    "fullVersionList",
    "model",
    "platformVersion",
    "wow64",
)
PROBE_SCRIPT = """async (hints) => ({
  userAgent: navigator.userAgent,
  userAgentData: await navigator.userAgentData.getHighEntropyValues(hints),
  plugins: navigator.plugins.length,
  notification: Notification.permission,
  notificationQuery: (await navigator.permissions.query({name: "notifications"})).state,
})"""
INIT_SCRIPT_HOW = (
    "Playwright BrowserContext.add_init_script, which runs it as `(() => { <script> })();` in"
    " every frame before the page's own scripts"
)
_PRODUCT = re.compile(r"(?:Headless)?Chrome/(\d+)[\d.]*")


class PermissionSetting(StrEnum):
    """A permission's setting as CDP `Browser.setPermission` takes it (the ones used here)."""

    DENIED = "denied"


@dataclass(frozen=True)
class NativeBrowser:
    """What the browser shows a page before any change, read once after launch."""

    user_agent: str
    user_agent_data: dict[str, Any]
    """`navigator.userAgentData.getHighEntropyValues()` of every hint in HIGH_ENTROPY_HINTS."""
    plugins: int
    notification: str
    """`Notification.permission`."""
    notification_query: str
    """`navigator.permissions.query({name: "notifications"})` state."""


@dataclass(frozen=True)
class InjectedScript:
    """A script run in every frame before the page's own scripts."""

    name: str
    purpose: str

    @property
    def data(self) -> bytes:
        """The script file's bytes, as shipped with the tool."""
        return _script_bytes(self.name)

    @property
    def source(self) -> str:
        """The script's text, given to the browser."""
        return self.data.decode("utf-8")

    @property
    def sha256(self) -> str:
        """SHA-256 of the script file's bytes as shipped (`collector/capture/scripts/`)."""
        return hashlib.sha256(self.data).hexdigest()


PDF_PLUGINS = InjectedScript(
    "pdf-plugins.js",
    "navigator.plugins, navigator.mimeTypes and navigator.pdfViewerEnabled as every desktop"
    " Chrome reports them (five fixed PDF viewer entries); this build has no PDF viewer",
)


@dataclass(frozen=True)
class Presentation:
    """What every capture's pages are shown, planned from the browser's native answers."""

    native: NativeBrowser
    user_agent: str
    metadata: dict[str, Any]
    """CDP `Emulation.UserAgentMetadata` sent with the user agent."""
    permissions: dict[str, PermissionSetting] = field(default_factory=dict)
    scripts: tuple[InjectedScript, ...] = ()

    @property
    def replaces_user_agent(self) -> bool:
        """Whether the browser must be started with another user agent than its own."""
        return self.user_agent != self.native.user_agent

    def flags(self) -> list[str]:
        """The flags a browser presenting this way is started with."""
        return launch_flags(self.user_agent if self.replaces_user_agent else None)

    def record(self) -> dict[str, Any]:
        """`details["browser_changes"]`: everything the tool changed, and from what."""
        return {
            "user_agent": {"browser": self.native.user_agent, "sent": self.user_agent},
            "user_agent_data": {
                "browser": self.native.user_agent_data,
                "sent": self.metadata,
                "how": "CDP Emulation.setUserAgentOverride on the page before it navigates"
                " (frames in its process and workers inherit it), on each popup once open"
                " (its first request carries the browser's own brands)",
            },
            "flags_added": self.flags(),
            "default_flags_removed": list(REMOVED_DEFAULT_FLAGS),
            "permissions": [
                {
                    "name": name,
                    "setting": setting,
                    "browser": {
                        "permission": self.native.notification,
                        "query": self.native.notification_query,
                    },
                    "how": "CDP Browser.setPermission on the capture's context",
                }
                for name, setting in self.permissions.items()
            ],
            "scripts": [
                {
                    "name": s.name,
                    "sha256": s.sha256,
                    "bytes": len(s.data),
                    "purpose": s.purpose,
                    "how": INIT_SCRIPT_HOW,
                }
                for s in self.scripts
            ],
        }


def launch_flags(user_agent: str | None = None) -> list[str]:
    """The flags this module adds to Chromium's command line; with `user_agent`, the flag that
    makes it the browser's own for every page, frame, worker and popup."""
    return [*ADDED_FLAGS, *([f"--user-agent={user_agent}"] if user_agent else [])]


def person_user_agent(native: str) -> str:
    """`native` as a person's Chrome of the same build sends it: `HeadlessChrome` written as
    `Chrome`, and the version reduced to `<major>.0.0.0`."""
    return _PRODUCT.sub(lambda m: f"Chrome/{m.group(1)}.0.0.0", native, count=1)


def person_metadata(native: dict[str, Any]) -> dict[str, Any]:
    """The browser's own user-agent metadata (CDP shape) without the HeadlessChrome brand."""

    def brands(key: str) -> list[dict[str, str]]:
        return [
            {"brand": b["brand"], "version": b["version"]}
            for b in native.get(key, [])
            if b["brand"] != HEADLESS_BRAND
        ]

    return {
        "brands": brands("brands"),
        "fullVersionList": brands("fullVersionList"),
        "platform": native.get("platform", ""),
        "platformVersion": native.get("platformVersion", ""),
        "architecture": native.get("architecture", ""),
        "model": native.get("model", ""),
        "mobile": bool(native.get("mobile", False)),
        "bitness": native.get("bitness", ""),
        "wow64": bool(native.get("wow64", False)),
        "formFactors": list(native.get("formFactors", [])),
    }


def plan(native: NativeBrowser, user_agent: str | None = None) -> Presentation:
    """The changes this browser needs; `user_agent` (the setting) replaces the person's UA."""
    permissions = {}
    if native.notification == "denied" and native.notification_query == "prompt":
        permissions["notifications"] = PermissionSetting.DENIED
    return Presentation(
        native=native,
        user_agent=user_agent or person_user_agent(native.user_agent),
        metadata=person_metadata(native.user_agent_data),
        permissions=permissions,
        scripts=(PDF_PLUGINS,) if native.plugins == 0 else (),
    )


async def read_native(context: BrowserContext) -> NativeBrowser:
    """What the browser shows a page, read in `context` (a throwaway one) on a routed page."""
    await context.route(PROBE_URL, lambda route: route.fulfill(body="", content_type="text/html"))
    page = await context.new_page()
    await page.goto(PROBE_URL)
    values = await page.evaluate(PROBE_SCRIPT, list(HIGH_ENTROPY_HINTS))
    return NativeBrowser(
        user_agent=values["userAgent"],
        user_agent_data=values["userAgentData"],
        plugins=values["plugins"],
        notification=values["notification"],
        notification_query=values["notificationQuery"],
    )


async def prepare_context(context: BrowserContext, presentation: Presentation) -> None:
    """Give a new capture context the planned scripts (they run in every frame it opens)."""
    for script in presentation.scripts:
        await context.add_init_script(script.source)


async def present(
    context: BrowserContext, page: Page, presentation: Presentation, locale: str
) -> None:
    """Apply the user agent, its metadata and the permissions to `page` before it navigates,
    and the metadata to every popup it opens, as soon as the popup is known (its first
    request has gone by then, with the browser's own brands; the WARC holds it as sent).

    The CDP sessions stay attached for the pages' life: their overrides end with them.
    """
    session = await context.new_cdp_session(page)
    await asyncio.gather(
        _override_user_agent(session, presentation, locale),
        _set_permissions(session, presentation),
    )

    async def popup(opened: Page) -> None:
        with contextlib.suppress(PlaywrightError):  # closed already (watch.py closes popups)
            popup_session = await context.new_cdp_session(opened)
            await _override_user_agent(popup_session, presentation, locale)

    context.on("page", popup)


async def _override_user_agent(
    session: CDPSession, presentation: Presentation, locale: str
) -> None:
    await session.send(
        "Emulation.setUserAgentOverride",
        {
            "userAgent": presentation.user_agent,
            "acceptLanguage": locale,
            "userAgentMetadata": presentation.metadata,
        },
    )


async def _set_permissions(session: CDPSession, presentation: Presentation) -> None:
    """The permissions, for the whole browser context of the session's page."""
    if not presentation.permissions:
        return
    info = await session.send("Target.getTargetInfo")
    context_id = info["targetInfo"]["browserContextId"]
    for name, setting in presentation.permissions.items():
        await session.send(
            "Browser.setPermission",
            {"permission": {"name": name}, "setting": str(setting), "browserContextId": context_id},
        )


@cache
def _script_bytes(name: str) -> bytes:
    return files("collector.capture").joinpath("scripts", name).read_bytes()
