"""The HTTP API (FastAPI, documented at /docs) and the web UI it serves.

Every API route but /health needs a token (the UI's static files and the OpenAPI docs, served offline from
/docs-assets, hold no data); every job route looks the job up by (owner, id), so another owner's job is simply
"not found". Errors are JSON bodies {error, message, hint} with a 4xx status (503 while the queue is unreachable),
and never show the server's folders.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import fastapi_offline
from fastapi import APIRouter, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__, web
from ..core.progress import STAGE_LABELS
from ..core.errors import CastscriptError
from ..operations import OPERATIONS, parse_operations
from ..subtitles.formats import FORMATS
from ..subtitles.html import speaker_colours
from .auth import SESSION_COOKIE, Owner
from .cleanup import Sweeper
from .config import ServiceConfig
from .errors import Conflict, NotFound, QueueUnavailable, TooManyJobs, Unauthorized, for_client
from .netguard import check_url, parse_networks
from . import catalog, revisions, videos
from .jobs import Services, delete_job_files, name_from_url, output_key
from .revisions import RevisionConflict
from .queue import JobQueue, make_queue
from .schemas import ErrorBody, JobCreate, JobOptions, JobView, SpeakerNames, State, UploadView
from .storage import content_disposition, passive_content_type
from .store import ACTIVE_STATES, CANCELLED, FINAL_STATES, QUEUED, JobRow, new_id
from .uploads import receive_upload

log = logging.getLogger(__name__)

SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer")]
DOCS_ASSETS = "/docs-assets"
MEDIA_SUFFIXES = {".mp4", ".mkv", ".mov", ".webm", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".flac", ".wav"}
ERRORS = {status: {"model": ErrorBody} for status in (401, 404, 409, 413, 415, 422, 429, 503)}

router = APIRouter(responses=ERRORS)


def services_of(request: Request) -> Services:
    return request.app.state.services


def queue_of(request: Request) -> JobQueue:
    return request.app.state.queue


@router.get("/health", tags=["service"], responses={})
def health(request: Request) -> dict:
    """Liveness: needs no token."""
    mode = "celery" if services_of(request).config.broker else "embedded"
    return {"status": "ok", "version": __version__, "mode": mode}


class TokenBody(BaseModel):
    token: str


@router.post("/session", tags=["auth"])
def open_session(body: TokenBody, request: Request, response: Response) -> dict:
    """Web UI sign-in: checks the token and keeps it in an HttpOnly, SameSite=Strict cookie."""
    owner = services_of(request).store.owner_of(body.token)
    if owner is None:
        raise Unauthorized("The API token is unknown or revoked.", hint="Create one with: castscript tokens create")
    response.set_cookie(SESSION_COOKIE, body.token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", max_age=30 * 86400)
    return {"owner": owner}


@router.delete("/session", tags=["auth"], status_code=204)
def close_session(_owner: Owner, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", tags=["auth"])
def me(owner: Owner, request: Request) -> dict:
    """The token's owner and what this server offers (output formats with a line on each, stage names in words,
    upload limit)."""
    return {"owner": owner, "formats": sorted(FORMATS), "max_upload_bytes": services_of(request).config.max_upload_bytes,
            "format_descriptions": {name: catalog.FORMAT_DESCRIPTIONS.get(name, "") for name in sorted(FORMATS)},
            "stage_labels": STAGE_LABELS}


@router.get("/languages", tags=["service"])
def languages(_owner: Owner) -> dict:
    """Spoken languages Whisper knows, and the translation pairs installed on this server (Bergamot models found
    offline; ``targets_by_source`` includes what pivots through English)."""
    return catalog.languages()


@router.post("/uploads", tags=["uploads"], status_code=201, response_model=UploadView,
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary"}}}}}}})
async def upload(owner: Owner, request: Request) -> UploadView:
    """Stream a media file (multipart field `file`) into storage; use the returned id in POST /jobs."""
    row = await receive_upload(request, services_of(request), owner)
    return UploadView(id=row.id, name=row.name, size=row.size)


@router.delete("/uploads/{upload_id}", tags=["uploads"], status_code=204)
def delete_upload(upload_id: str, owner: Owner, request: Request) -> None:
    """Remove an upload that no job uses."""
    services = services_of(request)
    if services.store.upload(owner, upload_id) is None:
        raise NotFound(f"No upload {upload_id}.")
    if services.store.upload_in_use(upload_id):
        raise Conflict(f"Upload {upload_id} is used by a job.", hint="Delete the job; its upload goes with it.")
    services.storage.delete_prefix(f"uploads/{upload_id}")
    services.store.delete_upload(upload_id)


@router.post("/jobs", tags=["jobs"], status_code=201, response_model=JobView,
             responses={200: {"model": JobView, "description": "replay of an earlier request with the same Idempotency-Key"}})
def create_job(
    body: JobCreate, owner: Owner, request: Request, response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JobView:
    """Queue a job. With an `Idempotency-Key` header, a repeated request returns the first job instead of a new one."""
    services = services_of(request)
    store = services.store
    body.options.to_pipeline_options(services.config.voice_library(owner))
    allow = parse_networks(services.config.fetch_allow)
    for url in (body.url, body.webhook_url):
        if url is not None:
            check_url(str(url), allow)
    request_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    if idempotency_key and (earlier := store.job_by_idempotency_key(owner, idempotency_key)):
        return _replay(earlier, request_hash, response)
    if store.active_job_count(owner) >= services.config.max_active_jobs:
        raise TooManyJobs(f"{services.config.max_active_jobs} jobs are already queued or running for this token.",
                          hint="Wait for some to finish, or cancel some.")
    row = JobRow(id=new_id(), owner=owner, state=QUEUED, progress=0.0, options=body.options.model_dump(),
                 outputs=[], idempotency_key=idempotency_key, request_hash=request_hash, attempts=0,
                 webhook_url=str(body.webhook_url) if body.webhook_url else None, webhook_secret=body.webhook_secret,
                 created_at=time.time())
    if body.upload_id:
        upload = store.upload(owner, body.upload_id)
        if upload is None:
            raise NotFound(f"No upload {body.upload_id}.", hint="Upload the media first with POST /uploads.")
        row.upload_id, row.input_key, row.input_name = upload.id, upload.key, upload.name
    else:
        row.input_url, row.input_name = str(body.url), name_from_url(str(body.url))
    try:
        store.add_job(row)
    except IntegrityError:  # the same Idempotency-Key raced in from another request
        return _replay(store.job_by_idempotency_key(owner, idempotency_key), request_hash, response)
    try:
        queue_of(request).submit(row.id)
    except QueueUnavailable:
        store.delete_job(row.id)  # not queued, so not kept: the client's retry is the only copy
        raise
    return JobView.of(row)


def _replay(earlier: JobRow, request_hash: str, response: Response) -> JobView:
    if earlier.request_hash != request_hash:
        raise Conflict("This Idempotency-Key was used for a different request.", hint="Use a new key for a new job.")
    response.status_code = 200
    return JobView.of(earlier)


@router.get("/jobs", tags=["jobs"])
def list_jobs(
    owner: Owner, request: Request, state: State | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
) -> list[JobView]:
    """Your jobs, newest first."""
    store = services_of(request).store
    rows = store.jobs(owner, limit, offset, state)
    burned = store.videos([row.id for row in rows])
    return [JobView.of(row, burned.get(row.id)) for row in rows]


def _job(request: Request, owner: str, job_id: str) -> JobRow:
    row = services_of(request).store.job(owner, job_id)
    if row is None:
        raise NotFound(f"No job {job_id}.")
    return row


def _finished_job(request: Request, owner: str, job_id: str) -> JobRow:
    row = _job(request, owner, job_id)
    if row.state != "done":
        raise Conflict(f"Job {job_id} is {row.state}, not done.")
    return row


@router.get("/jobs/{job_id}", tags=["jobs"])
def get_job(job_id: str, owner: Owner, request: Request) -> JobView:
    """State: queued, running (with stage, percent and time left), done (with outputs, and the burned video's state),
    failed (with the reason) or cancelled."""
    row = _job(request, owner, job_id)
    return JobView.of(row, services_of(request).store.video(job_id))


@router.post("/jobs/{job_id}/cancel", tags=["jobs"])
def cancel_job(job_id: str, owner: Owner, request: Request) -> JobView:
    """Cancel a queued or running job (a running one stops at its next progress step)."""
    row = _job(request, owner, job_id)
    store = services_of(request).store
    if not store.transition(job_id, ACTIVE_STATES, state=CANCELLED, finished_at=time.time()):
        raise Conflict(f"Job {job_id} is already {store.state_of(job_id)}.")
    if row.state == "running":
        queue_of(request).cancel(job_id)
    return JobView.of(store.job_by_id(job_id))


@router.delete("/jobs/{job_id}", tags=["jobs"], status_code=204)
def delete_job(job_id: str, owner: Owner, request: Request) -> None:
    """Delete a job and its files (a running job is stopped first)."""
    row = _job(request, owner, job_id)
    services = services_of(request)
    services.store.delete_job(job_id)
    if row.state not in FINAL_STATES:
        queue_of(request).cancel(job_id)
    delete_job_files(services, row)


@router.get("/jobs/{job_id}/outputs/{name}", tags=["outputs"], response_class=FileResponse,
            responses={307: {"description": "redirect to the file in S3-compatible storage"}})
def download_output(job_id: str, name: str, owner: Owner, request: Request):
    """Download one output file (always as an attachment with a passive content type)."""
    row = _job(request, owner, job_id)
    if name not in row.outputs:
        raise NotFound(f"Job {job_id} has no output {name}.", hint=f"Outputs: {', '.join(row.outputs) or 'none yet'}.")
    return _file_response(request, output_key(job_id, name))


@router.get("/jobs/{job_id}/media", tags=["outputs"], response_class=FileResponse,
            responses={307: {"description": "redirect to the file in S3-compatible storage"}})
def download_media(job_id: str, owner: Owner, request: Request):
    """The job's input media (for the player; supports Range requests)."""
    row = _job(request, owner, job_id)
    if row.input_key is None:
        raise NotFound(f"Job {job_id} has not fetched its input yet.")
    return _file_response(request, row.input_key)


def _file_response(request: Request, key: str):
    """The stored file as an attachment with a passive content type, or a redirect to it in object storage."""
    target = services_of(request).storage.locate(key)
    if isinstance(target, str):
        return RedirectResponse(target, status_code=307)
    if not target.is_file():
        raise NotFound(f"{target.name} is missing from storage.")
    headers = {"Content-Disposition": content_disposition(target.name), "Content-Security-Policy": "sandbox"}
    return FileResponse(target, media_type=passive_content_type(target.name), headers=headers)


@router.get("/jobs/{job_id}/outputs.zip", tags=["outputs"], response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}}})
def download_all(job_id: str, owner: Owner, request: Request) -> StreamingResponse:
    """Every output of the job and its media in one zip: the HTML transcript in it plays the media beside it."""
    row = _finished_job(request, owner, job_id)
    services = services_of(request)
    _, document = revisions.current(services, job_id)
    media_name = Path(document.media.path).name or row.input_name
    files = [(name, output_key(job_id, name)) for name in row.outputs]
    if row.input_key is not None and media_name not in row.outputs:
        files.append((media_name, row.input_key))
    name = f"{Path(row.input_name).stem}.castscript.zip"
    headers = {"Content-Disposition": content_disposition(name), "Content-Security-Policy": "sandbox"}
    return StreamingResponse(zip_stream(services, files), media_type="application/zip", headers=headers)


@router.get("/jobs/{job_id}/transcript", tags=["outputs"])
def transcript(job_id: str, owner: Owner, request: Request) -> dict:
    """The finished job's current document (segments with words, speakers, translations) and its ``revision``."""
    _finished_job(request, owner, job_id)
    number, document = revisions.current(services_of(request), job_id)
    data = document.to_dict()
    for speaker in data["speakers"].values():
        speaker.pop("embedding", None)
    return {"revision": number, "colours": speaker_colours(document), **data}


class EditsBody(BaseModel):
    base_revision: int = Field(ge=0, description="the revision the edits were made on (409 if it is not current)")
    operations: list[dict] = Field(min_length=1, max_length=500, description=(
        "applied in order, all or none: " + "; ".join(f"{op} {{{', '.join(fields)}}}" for op, fields in OPERATIONS.items())))
    author: str | None = Field(None, max_length=100, description="who made the edit (shown in the revision list)")


def _who(owner: str, author: str | None) -> str:
    return f"{author.strip()} ({owner})" if author and author.strip() else owner


@router.post("/jobs/{job_id}/edits", tags=["edits"])
def edit_transcript(job_id: str, body: EditsBody, owner: Owner, request: Request) -> dict:
    """Apply edit operations as one new revision and re-write every output from it (no model runs again; edited
    lines are re-translated unless their translation was written by hand)."""
    row = _finished_job(request, owner, job_id)
    operations = parse_operations(body.operations)
    number = revisions.edit(services_of(request), row, body.base_revision, operations, _who(owner, body.author))
    return {"revision": number}


@router.get("/jobs/{job_id}/revisions", tags=["edits"])
def list_revisions(job_id: str, owner: Owner, request: Request) -> list[dict]:
    """Every revision of the transcript, oldest first: number, time, who, summary."""
    row = _finished_job(request, owner, job_id)
    return [{"number": r.number, "time": _iso(r.created_at), "who": r.who, "summary": r.summary}
            for r in revisions.history(services_of(request), row)]


@router.get("/jobs/{job_id}/revisions/{number}", tags=["edits"])
def get_revision(job_id: str, number: int, owner: Owner, request: Request) -> dict:
    """The document as it was at revision ``number``."""
    row = _finished_job(request, owner, job_id)
    data = revisions.document_at(services_of(request), row, number).to_dict()
    for speaker in data["speakers"].values():
        speaker.pop("embedding", None)
    return {"revision": number, **data}


class RestoreBody(BaseModel):
    base_revision: int | None = Field(None, ge=0, description="409 unless this is the current revision (for undo)")


@router.post("/jobs/{job_id}/revisions/{number}/restore", tags=["edits"])
def restore_revision(job_id: str, number: int, owner: Owner, request: Request, body: RestoreBody | None = None) -> dict:
    """Make revision ``number`` current again, as a new revision (nothing is dropped)."""
    row = _finished_job(request, owner, job_id)
    base = body.base_revision if body else None
    return {"revision": revisions.restore(services_of(request), row, number, owner, base)}


@router.get("/jobs/{job_id}/peaks", tags=["outputs"])
def waveform_peaks(job_id: str, owner: Owner, request: Request) -> dict:
    """The media's waveform for the editor's timeline: loudest sample per bin, 0-1, ``per_second`` bins a second."""
    row = _finished_job(request, owner, job_id)
    if row.input_key is None:
        raise NotFound(f"Job {job_id} has no media.")
    return catalog.peaks(services_of(request), job_id, row.input_key)


@router.get("/jobs/{job_id}/subtitles.vtt", tags=["outputs"], response_class=Response,
            responses={200: {"content": {"text/vtt": {}}}})
def subtitles_vtt(job_id: str, owner: Owner, request: Request, lang: str | None = None) -> Response:
    """WebVTT for the player's subtitle track (current speaker names; ``lang`` for a translation)."""
    row = _finished_job(request, owner, job_id)
    _, document = revisions.current(services_of(request), job_id)
    if lang is not None and lang not in document.translation_languages:
        raise NotFound(f"Job {job_id} has no {lang} translation.")
    options = JobOptions(**row.options).to_pipeline_options().output
    return Response(FORMATS["vtt"].render(document, options, lang), media_type="text/vtt; charset=utf-8")


@router.patch("/jobs/{job_id}/speakers", tags=["jobs"])
def rename_speakers(job_id: str, body: SpeakerNames, owner: Owner, request: Request) -> JobView:
    """Rename speakers (e.g. SPEAKER_00 -> Anna) as a new revision and re-render the text outputs."""
    row = _finished_job(request, owner, job_id)
    services = services_of(request)
    operations = parse_operations([{"op": "rename_speaker", "speaker": k, "name": v} for k, v in body.names.items()])
    revisions.edit(services, row, revisions.current(services, job_id)[0], operations, owner)
    return JobView.of(row, services.store.video(job_id))


def _error_response(status: int, body: dict, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def zip_stream(services: Services, files: list[tuple[str, str]]):
    """The zip of (name, storage key) built in a temporary file, then streamed and removed."""
    with tempfile.TemporaryFile(dir=services.config.work_dir) as spool, \
            tempfile.TemporaryDirectory(dir=services.config.work_dir) as folder:
        with zipfile.ZipFile(spool, "w") as archive:
            for name, key in files:
                compress = zipfile.ZIP_STORED if Path(name).suffix in MEDIA_SUFFIXES else zipfile.ZIP_DEFLATED
                archive.write(services.storage.fetch(key, Path(folder)), name, compress_type=compress)
        spool.seek(0)
        while chunk := spool.read(1 << 20):
            yield chunk


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RevisionConflict)
    async def revision_conflict(_request, exc: RevisionConflict):
        return _error_response(409, exc.to_dict())

    @app.exception_handler(CastscriptError)
    async def castscript_error(_request, exc: CastscriptError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return _error_response(exc.http_status, for_client(exc).to_dict(), headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors()]
        return _error_response(422, {"error": "invalid_request", "message": "; ".join(problems),
                                     "hint": "See the request schema at /docs."})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error_response(exc.status_code, {"error": code, "message": str(exc.detail)})

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error_response(500, {"error": "internal_error", "message": "The server hit an unexpected error.",
                                     "hint": "Retry; if it persists, report it with the server log."})


def install_docs(app: FastAPI) -> None:
    """Swagger UI 5 at /docs from the files the fastapi-offline package ships: works offline, no CDN."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static"), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(
            openapi_url=app.openapi_url, title=f"{app.title} API", swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css", swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png")


class SecurityHeaders:
    """Pure ASGI middleware (keeps uploads and downloads streaming): nosniff, no framing, no referrer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """The API + web UI app; jobs run in-process, or on Celery workers when ``config.broker`` is set."""
    config = config or ServiceConfig.from_env()
    services = Services.open(config)
    queue = make_queue(services)

    sweeper = Sweeper(services)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        await run_in_threadpool(queue.start)
        await run_in_threadpool(videos.resume, services)
        sweeper.start()
        yield
        sweeper.stop()
        await run_in_threadpool(queue.stop)

    app = FastAPI(title="castscript", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Speaker-attributed, translated transcripts and subtitles as an asynchronous job API.")
    app.state.services, app.state.queue = services, queue
    install_error_handlers(app)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=web.STATIC), name="static")
    install_docs(app)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(web.STATIC / "index.html")

    if config.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_credentials=False,
                           allow_methods=["*"], allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])
    app.add_middleware(SecurityHeaders)
    return app
