"""Running one job (the same code in-process and in a Celery worker), and re-rendering a finished one.

Progress goes to the job store; the store's state is the cancel flag: once a job is no longer "running" (cancelled
or deleted), the next progress report stops the pipeline. Outputs are written to a private work folder, stored,
and only then is the job marked done.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

from ..cache import StageCache
from ..document import Document
from ..core.errors import CastscriptError
from ..pipeline import PipelineOptions, planned_steps, run_pipeline
from ..core.progress import CallbackProgress, JobEstimate
from ..document import MediaInfo
from ..media import probe
from . import webhooks
from .config import ServiceConfig
from .errors import InputDownloadFailed, UploadTooLarge, for_client
from .netguard import guarded_client, parse_networks
from .schemas import JobOptions, JobView
from .storage import Storage, Writer, open_storage, safe_filename
from .store import ACTIVE_STATES, DONE, FAILED, QUEUED, RUNNING, JobRow, Store

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5
"""Seconds between progress writes (each also checks for a cancel)."""
MAX_REDIRECTS = 5


@dataclass
class Services:
    config: ServiceConfig
    store: Store
    storage: Storage

    @classmethod
    def open(cls, config: ServiceConfig) -> Services:
        config.work_dir.mkdir(parents=True, exist_ok=True)
        return cls(config, Store(config.database_url), open_storage(config.storage_url))


class JobCancelled(Exception):
    """The job left the running state (cancelled or deleted) while it ran."""


class ServiceStopping(Exception):
    """The embedded server shuts down: the job goes back to the queue."""


def job_prefix(job_id: str) -> str:
    return f"jobs/{job_id}"


def output_key(job_id: str, name: str) -> str:
    return f"{job_prefix(job_id)}/outputs/{name}"


def document_key(job_id: str) -> str:
    """The saved Document, beside the outputs (no output name starts with a dot)."""
    return f"{job_prefix(job_id)}/outputs/.document.json"


class _ProgressWriter:
    """(stage, fraction) -> the job row, at most every PROGRESS_INTERVAL seconds or on a new stage, with the whole
    job's expected end once its ``estimate`` is known (after the media is probed)."""

    def __init__(self, store: Store, job_id: str, stopping: threading.Event | None):
        self.store, self.job_id, self.stopping = store, job_id, stopping
        self.stage, self.written_at = None, 0.0
        self.estimate: JobEstimate | None = None

    def __call__(self, stage: str, fraction: float) -> None:
        if self.stopping is not None and self.stopping.is_set():
            raise ServiceStopping()
        if self.estimate is not None:
            self.estimate.stage(stage)
            self.estimate.update(fraction)
        now = time.monotonic()
        if stage == self.stage and now - self.written_at < PROGRESS_INTERVAL:
            return
        self.stage, self.written_at = stage, now
        end = time.time() + self.estimate.remaining() if self.estimate is not None else None
        if not self.store.transition(self.job_id, (RUNNING,), stage=stage, progress=fraction, expected_end=end):
            raise JobCancelled()


def run_job(job_id: str, services: Services, stopping: threading.Event | None = None) -> None:
    """Run a queued job to done, failed or cancelled; a job that is not queued (or was interrupted) is skipped."""
    store = services.store
    row = store.job_by_id(job_id)
    if row is None or not store.transition(job_id, ACTIVE_STATES, state=RUNNING, stage="fetch", progress=0.0,
                                           expected_end=None, started_at=time.time(), attempts=row.attempts + 1):
        return
    if row.attempts:  # an earlier attempt died (killed worker or server): drop what it left
        _remove_work_dirs(services.config.work_dir, job_id)
        services.storage.delete_prefix(f"{job_prefix(job_id)}/outputs")
    progress = _ProgressWriter(store, job_id, stopping)
    work = Path(tempfile.mkdtemp(prefix=f"{job_id}-", dir=services.config.work_dir))
    try:
        names = _execute(row, services, work, progress)
        if not store.transition(job_id, (RUNNING,), state=DONE, outputs=names, progress=1.0, finished_at=time.time()):
            raise JobCancelled()
    except ServiceStopping:
        store.transition(job_id, (RUNNING,), state=QUEUED, stage=None, progress=0.0)
        return
    except Exception as exc:  # noqa: BLE001 - any failure must end the job with a reason, never leave it stuck
        _discard_results(services, job_id)
        if store.state_of(job_id) != RUNNING:  # cancelled or deleted meanwhile (Celery's revoke signal lands here)
            return
        _fail(store, job_id, _error_body(job_id, exc))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _notify(services, job_id)


def _remove_work_dirs(work_dir: Path, job_id: str) -> None:
    for folder in work_dir.glob(f"{job_id}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def _error_body(job_id: str, exc: Exception) -> dict:
    if isinstance(exc, CastscriptError):
        return for_client(exc).to_dict()
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return {"error": "output_failed", "message": f"The server ran out of disk space while running the job "
                f"({exc.strerror}); nothing was kept.", "hint": "Retry later; the operator needs to free disk space."}
    log.error("job %s crashed", job_id, exc_info=exc)
    return {"error": "internal_error", "message": f"The job stopped on an unexpected error: {exc}",
            "hint": "Retry the job; if it fails again, report it with the server log."}


def _discard_results(services: Services, job_id: str) -> None:
    """Remove what a stopped or failed job stored: its outputs, or all of its files once the job is deleted."""
    if services.store.job_by_id(job_id) is None:
        services.storage.delete_prefix(job_prefix(job_id))
    else:
        services.storage.delete_prefix(f"{job_prefix(job_id)}/outputs")


def _fail(store: Store, job_id: str, error: dict) -> None:
    store.transition(job_id, (RUNNING,), state=FAILED, error=error, finished_at=time.time())


def _execute(row: JobRow, services: Services, work: Path, progress: _ProgressWriter) -> list[str]:
    config = services.config
    options = JobOptions(**row.options).to_pipeline_options(config.voice_library(row.owner))
    options = replace(options, threads=config.job_threads)
    media = _fetch_input(row, services, work, progress)
    progress("probe", 0.0)
    info = probe(media)  # once: the estimate plans with it and the pipeline is handed it
    progress.estimate = JobEstimate(job_steps(options, info), info.duration)
    cache = StageCache(config.cache_dir, enabled=options.use_cache)
    result = run_pipeline(media, options, work / "out", CallbackProgress(progress), cache=cache,
                          media_name=Path(row.input_name).name, media=info)
    progress("store", 0.0)
    for path in result.outputs:
        services.storage.put_file(output_key(row.id, path.name), path)
    services.storage.write_bytes(document_key(row.id), _document_bytes(result.document))
    return [path.name for path in result.outputs]


def job_steps(options: PipelineOptions, media: MediaInfo) -> list[str]:
    """The stage ids a job reports, in order: the pipeline's, then storing the outputs."""
    return [*planned_steps(options, media), "store"]


def _document_bytes(document: Document) -> bytes:
    return json.dumps(document.to_dict(), ensure_ascii=False).encode()


def _fetch_input(row: JobRow, services: Services, work: Path, progress: _ProgressWriter) -> Path:
    """The media as a local file; a URL input is first streamed into storage, so retries and the player reuse it."""
    if row.input_key is None:
        key = f"{job_prefix(row.id)}/input/{row.input_name}"
        _download(row.input_url, key, services, lambda fraction: progress("fetch", fraction))
        services.store.transition(row.id, (RUNNING,), input_key=key)
        row.input_key = key
    return services.storage.fetch(row.input_key, work)


def _download(url: str, key: str, services: Services, on_fraction) -> None:
    writer = services.storage.writer(key)
    try:
        with _open_public(url, services.config) as response:
            _copy(response, writer, url, services.config.max_upload_bytes, on_fraction)
        writer.commit()
    except httpx.HTTPError as exc:
        writer.abort()
        raise InputDownloadFailed(f"Could not download {url}: {exc}",
                                  hint="Check that the URL is reachable from the server and not expired.") from None
    except BaseException:
        writer.abort()
        raise


@contextmanager
def _open_public(url: str, config: ServiceConfig) -> Iterator[httpx.Response]:
    """GET ``url``; the guarded client's transport checks every hop (redirects included) against internal addresses."""
    allow = parse_networks(config.fetch_allow)
    with guarded_client(allow, timeout=60.0, follow_redirects=True, max_redirects=MAX_REDIRECTS) as client:
        with client.stream("GET", url) as response:
            response.raise_for_status()
            yield response


def _copy(response: httpx.Response, writer: Writer, url: str, limit: int, on_fraction) -> None:
    total, received = int(response.headers.get("content-length") or 0), 0
    if total > limit:
        raise UploadTooLarge(f"{url} is larger than the server's limit of {limit} bytes.")
    for chunk in response.iter_bytes(1 << 20):
        received += len(chunk)
        if received > limit:
            raise UploadTooLarge(f"{url} is larger than the server's limit of {limit} bytes.")
        writer.write(chunk)
        if total:
            on_fraction(received / total)


def name_from_url(url: str) -> str:
    return safe_filename(unquote(urlparse(url).path.rsplit("/", 1)[-1]), fallback="media")


def _notify(services: Services, job_id: str) -> None:
    row = services.store.job_by_id(job_id)
    if row is None or not row.webhook_url or row.state not in (DONE, FAILED):
        return
    payload = JobView.of(row).model_dump(mode="json")
    config = services.config
    webhooks.deliver(row.webhook_url, payload, row.webhook_secret, config.webhook_attempts, config.webhook_backoff,
                     parse_networks(config.fetch_allow))


def delete_job_files(services: Services, row: JobRow) -> None:
    """Remove the job's folder, and its upload once no other job uses it."""
    services.storage.delete_prefix(job_prefix(row.id))
    if row.upload_id and not services.store.upload_in_use(row.upload_id):
        services.storage.delete_prefix(f"uploads/{row.upload_id}")
        services.store.delete_upload(row.upload_id)

