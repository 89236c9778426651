"""The archive's closed vocabularies: every value stored in a status, kind or action column.

`StrEnum` members compare and serialize as their plain strings, so rows written before these
types existed read back unchanged and JSON/SQL see the same text.
"""

from enum import StrEnum


class CaptureStatus(StrEnum):
    """How far a capture got: all it set out to record, some of it, or nothing usable."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"


class PageVerdict(StrEnum):
    """What the captured page showed, as judged from its screenshot, headers and markup.

    Anything but `page` keeps a capture from being `complete`; it is stored in
    `Capture.details["page_verdict"]` as `{"verdict": ..., "reason": ..., "signals": [...]}`.
    """

    PAGE = "page"
    """The page itself, as far as the tool can tell."""
    BLANK = "blank"
    """The full-page screenshot is one uniform colour."""
    BOT_CHALLENGE = "bot-challenge"
    """A bot-manager interstitial or CAPTCHA (Cloudflare, Akamai, DataDome, PerimeterX...)."""
    LOGIN_WALL = "login-wall"
    """The platform asked to log in instead of showing the content."""
    UNAVAILABLE = "unavailable"
    """The platform's own "this post is unavailable / does not exist" page."""


class ArtifactRole(StrEnum):
    """Roles of the artifacts the tool makes itself (platform and browser roles stay plain)."""

    SCREENSHOT_FULL = "screenshot-full"
    SCREENSHOT_VIEWPORT = "screenshot-viewport"
    THUMBNAIL = "thumbnail"
    EVIDENCE_CARD = "evidence-card"
    POST_CARD = "post-card"
    AVATAR = "avatar"
    MEDIA_PREVIEW = "media_preview"
    MEDIA = "media"
    MANIFEST = "manifest"
    SIGNATURE = "signature"
    CONTENT_CREDENTIALS = "content-credentials"
    """A copy of a tool-made image carrying a C2PA manifest that names the sealed capture."""
    CONTENT_CREDENTIALS_FAILED = "content-credentials-failed"
    """Why a tool-made image has no credentialed copy (JSON: of, of_sha256, error)."""


class CitationKind(StrEnum):
    """What a citation in an article points at."""

    POST = "post"
    PROFILE = "profile"
    LINK = "link"
    MEDIA = "media"


class Availability(StrEnum):
    """Whether the platform still serves a post, and if not, in its own category."""

    AVAILABLE = "available"
    DELETED = "deleted"
    SUSPENDED = "suspended"
    PROTECTED = "protected"
    WITHHELD = "withheld"
    AGE_RESTRICTED = "age_restricted"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"


class CustodyAction(StrEnum):
    """The action of a custody event: what was done to the archive."""

    ARCHIVE_INITIALIZED = "archive.initialized"
    CASE_CREATED = "case.created"
    KEY_CREATED = "key.created"
    WACZ_KEY_CREATED = "wacz-key.created"
    C2PA_CERT_RECORDED = "c2pa-cert.recorded"
    SOURCE_EXTRACTED = "source.extracted"
    TARGET_CREATED = "target.created"
    TARGET_LINKED = "target.linked"
    TARGET_CHANGED = "target.changed"
    TARGET_RESOLVED = "target.resolved"
    CAPTURE_RECORDED = "capture.recorded"
    WITNESS_RECORDED = "witness.recorded"
    TIMESTAMP_RECORDED = "timestamp.recorded"
    OTS_RECORDED = "ots.recorded"
    EXPORT_CREATED = "export.created"
    VANTAGE_COMPARED = "vantage.compared"


class WitnessService(StrEnum):
    """An independent archive asked whether it holds (or to make) a copy of a target."""

    WAYBACK = "wayback"
    MEMENTO = "memento"
    ARCHIVE_TODAY = "archive_today"


class WitnessMethod(StrEnum):
    """How a witness was asked: a lookup of existing copies, or a submission."""

    AVAILABILITY = "availability"
    CDX = "cdx"
    TIMEMAP = "timemap"
    SAVE = "save"


class WitnessStatus(StrEnum):
    """What the witness answered: copies found, none, a copy made, or no usable answer."""

    FOUND = "found"
    NONE = "none"
    SAVED = "saved"
    FAILED = "failed"


class OtsStatus(StrEnum):
    """An OpenTimestamps proof: waiting for a block, confirmed by one, or not obtained."""

    PENDING = "pending"
    COMPLETE = "complete"
    FAILED = "failed"


class PackageFormat(StrEnum):
    """What `evidence export --format` writes (and `package.json`'s `format`)."""

    WACZ = "wacz"
    BAGIT = "bagit"
    REPORT = "report"


class RedactionReason(StrEnum):
    """Why a value was taken out of a capture made logged in (`Capture.details["redactions"]`)."""

    COOKIE = "cookie"
    SET_COOKIE = "set-cookie"
    AUTHORIZATION = "authorization"
    CSRF = "csrf-token"
    TOKEN = "token"
    """An API or access token header (`x-auth-token`, `x-api-key`, ...)."""
    SESSION_VALUE = "session-value"
    """A value of the session (a cookie, a token) where the page or the server echoed it."""


class SessionKind(StrEnum):
    """Where a stored login session came from (`evidence session add`)."""

    COOKIES = "cookies"  # a Netscape cookies.txt
    STORAGE_STATE = "storage-state"  # a Playwright storage-state JSON
    PROFILE = "profile"  # a Chromium user-data folder, read through a browser


class SessionCheck(StrEnum):
    """What `evidence session check` found."""

    LOGGED_IN = "logged-in"
    LOGGED_OUT = "logged-out"
    CANNOT_TELL = "cannot-tell"
    """Pages answered, but nothing showed the session logged in or out (a public page)."""
    UNKNOWN = "unknown"  # no answer that tells (network error, unexpected status)
