"""The FastAPI application of the web viewer: server-rendered pages, no front-end build."""

import hashlib
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTask

from archive import __version__
from archive.archive import Archive
from archive.errors import BlobError, EvidenceError, NotFoundError
from archive.export import FORMATS, export
from archive.provenance.verify import verify_archive
from archive.timeutil import iso
from collector.collect.locations import check_url
from collector.web import views
from collector.web.auth import TokenCheck
from collector.web.jobs import JobKind, JobQueue
from collector.web.security import COMMON_HEADERS, VIEWER_CSP, archived_headers

HERE = Path(__file__).parent
COOKIE = "evidence_token"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def save_upload(folder: Path, body: bytes) -> Path:
    """Keep a submitted article under the archive home (named by its SHA-256), atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    head = body[:2048].lstrip().lower()
    suffix = ".html" if head.startswith((b"<!doctype", b"<html", b"<")) else ".txt"
    path = folder / f"{hashlib.sha256(body).hexdigest()}{suffix}"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(body)
        os.replace(tmp, path)
    return path


def _when(value: Any) -> str:
    return iso(value) if value is not None and hasattr(value, "tzinfo") else str(value or "")


def _when_short(value: Any) -> str:
    """To the second, for lists (the record pages show the full time)."""
    shown = _when(value)
    return shown.split(".", 1)[0] + "Z" if hasattr(value, "tzinfo") else shown


def create_app(archive: Archive, tokens: TokenCheck, jobs: JobQueue | None = None) -> FastAPI:
    """The viewer for `archive`; every request must carry the token checked by `tokens`.

    `jobs` runs collects submitted from the viewer; without it the submit form is hidden.
    """
    app = FastAPI(
        title="evidence viewer",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["when"] = _when
    templates.env.filters["when_short"] = _when_short
    templates.env.filters["icon"] = lambda platform: views.PLATFORM_ICONS.get(platform, "🌐")
    templates.env.globals["can_recheck"] = jobs is not None and jobs.can(JobKind.RECHECK)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        query_token = request.query_params.get("token")
        header = request.headers.get("authorization", "")
        bearer = header[7:] if header.lower().startswith("bearer ") else None
        presented = bearer or query_token or request.cookies.get(COOKIE)
        origin = request.headers.get("origin")
        foreign = origin is not None and urlsplit(origin).netloc != request.url.netloc
        if request.method == "POST" and foreign:  # includes "null": sandboxed archived pages
            response: Response = PlainTextResponse("cross-origin request refused", 403)
        elif not tokens.accepts(presented):
            response = PlainTextResponse(
                "access token required: open the link `evidence serve` printed, "
                "or send `Authorization: Bearer <token>`",
                status_code=401,
            )
        elif query_token:
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(COOKIE, query_token, httponly=True, samesite="strict")
        else:
            response = await call_next(request)
        for name, value in COMMON_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", VIEWER_CSP)
        return response

    def page(request: Request, template: str, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, template, {"version": __version__, **context})

    def read(function: Callable[..., Any], *args: Any) -> Any:
        with archive.session() as session:
            return function(session, *args)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        return page(
            request,
            "index.html",
            **read(views.home),
            home=str(archive.home),
            can_collect=jobs is not None,
            jobs=jobs.all()[:5] if jobs else [],
        )

    @app.post("/collect")
    async def submit(
        url: Annotated[str, Form()] = "",
        article: Annotated[str, Form()] = "",
        case: Annotated[str, Form()] = "",
        upload: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        if jobs is None:
            raise NotFoundError("collecting from the viewer is not enabled")
        data = await upload.read(MAX_UPLOAD_BYTES + 1) if upload and upload.filename else b""
        if url.strip():
            job = jobs.submit(check_url(url), case=case.strip())
        elif data or article.strip():
            body = data or article.encode("utf-8")
            if len(body) > MAX_UPLOAD_BYTES:
                raise EvidenceError(f"articles are limited to {MAX_UPLOAD_BYTES} bytes here")
            path = save_upload(archive.home / "uploads", body)
            label = upload.filename if data and upload else "pasted article"
            job = jobs.submit(str(path), label=label, case=case.strip())
        else:
            raise EvidenceError("give a URL, paste an article, or choose a file")
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.post("/recheck")
    def recheck(target_id: Annotated[str, Form()] = "") -> Response:
        if jobs is None or not jobs.can(JobKind.RECHECK):
            raise NotFoundError("rechecking from the viewer is not enabled")
        target = read(views.target, target_id.strip())
        label = f"recheck {target['canonical_url'] or target['key']}"
        job = jobs.submit(target["id"], label=label, kind=JobKind.RECHECK)
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.get("/jobs", response_class=HTMLResponse)
    def job_list(request: Request) -> HTMLResponse:
        return page(request, "jobs.html", jobs=jobs.all() if jobs else [])

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_page(request: Request, job_id: int) -> HTMLResponse:
        job = jobs.get(job_id) if jobs else None
        if job is None:
            raise NotFoundError(f"no job number {job_id}")
        return page(request, "job.html", job=job)

    @app.get("/verify", response_class=HTMLResponse)
    def verify_all(request: Request) -> HTMLResponse:
        findings = verify_archive(archive)
        problems = [f for f in findings if f.status != "ok"]
        return page(
            request,
            "verify_archive.html",
            ok=len(findings) - len(problems),
            problems=problems,
            tampered=sum(1 for f in problems if f.status == "tampered"),
        )

    @app.post("/export/{record_id}")  # a POST: an export writes an `export.created` event
    def export_download(
        record_id: str,
        format: Annotated[str, Form()] = "report",  # noqa: A002
    ) -> Response:
        if format not in FORMATS:
            raise EvidenceError(f"unknown export format {format!r} (one of {', '.join(FORMATS)})")
        folder = Path(tempfile.mkdtemp(prefix="evidence-export-"))
        suffix = {"wacz": ".wacz", "bagit": ".zip", "report": ".html"}[format]
        target = folder / f"{record_id}{suffix}"
        try:
            written = Path(export(archive, record_id, format, target).path)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return FileResponse(
            written,
            filename=written.name,
            media_type="application/octet-stream",
            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
        )

    @app.exception_handler(EvidenceError)
    async def refused(request: Request, exc: EvidenceError) -> HTMLResponse:
        response = page(request, "error.html", message=str(exc))
        response.status_code = 404 if isinstance(exc, NotFoundError) else 400
        return response

    @app.get("/cases/{case_id}", response_class=HTMLResponse)
    def case(request: Request, case_id: str) -> HTMLResponse:
        return page(request, "case.html", case=read(views.case, case_id))

    @app.get("/sources", response_class=HTMLResponse)
    def sources(request: Request) -> HTMLResponse:
        return page(request, "list.html", kind="sources", rows=read(views.rows, "sources"))

    @app.get("/sources/{source_id}", response_class=HTMLResponse)
    def source(request: Request, source_id: str) -> HTMLResponse:
        return page(request, "source.html", source=read(views.source, source_id))

    @app.get("/targets", response_class=HTMLResponse)
    def targets(request: Request) -> HTMLResponse:
        return page(request, "list.html", kind="targets", rows=read(views.rows, "targets"))

    @app.get("/targets/{target_id}", response_class=HTMLResponse)
    def target(request: Request, target_id: str) -> HTMLResponse:
        return page(request, "target.html", target=read(views.target, target_id))

    @app.get("/captures", response_class=HTMLResponse)
    def captures(
        request: Request, case: str = "", status: str = "", platform: str = ""
    ) -> HTMLResponse:
        filters = {"case_id": case, "status": status, "platform": platform}
        return page(request, "captures.html", **read(views.captures, filters))

    @app.get("/captures/{capture_id}", response_class=HTMLResponse)
    def capture(request: Request, capture_id: str) -> HTMLResponse:
        return page(request, "capture.html", capture=read(views.capture, capture_id))

    @app.get("/captures/{capture_id}/verify", response_class=HTMLResponse)
    def verify_capture(request: Request, capture_id: str) -> HTMLResponse:
        record = read(views.capture, capture_id)
        results = []
        for artifact in record["artifacts"]:
            try:
                ok = archive.blobs.verify(artifact["blob_sha256"])
                state = "ok" if ok else "altered"
            except BlobError:
                state = "missing"
            results.append({**artifact, "state": state})
        return page(request, "verify.html", capture=record, results=results)

    @app.get("/events", response_class=HTMLResponse)
    def events(request: Request) -> HTMLResponse:
        return page(
            request,
            "events.html",
            events=read(views.events),
            chain=read(lambda s: views.home(s)["chain"]),
        )

    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request, q: str = "") -> HTMLResponse:
        return page(request, "search.html", q=q, results=read(views.search, q))

    @app.get("/blobs/{sha256}")
    def blob(sha256: str) -> Response:
        artifact = read(views.artifact_for_blob, sha256)
        data = archive.blobs.get(sha256)
        return Response(
            data,
            media_type=artifact.media_type,
            headers=archived_headers(artifact.media_type, artifact.name),
        )

    @app.get("/captures/{capture_id}/dom")
    def dom(capture_id: str) -> Response:
        record = read(views.capture, capture_id)
        if record["dom"] is None:
            raise NotFoundError(f"capture {capture_id} has no rendered DOM")
        data = archive.blobs.get(record["dom"]["blob_sha256"])
        headers = archived_headers("text/html", "dom.html")
        headers.pop("Content-Disposition", None)
        return Response(data, media_type="text/html", headers=headers)

    return app
