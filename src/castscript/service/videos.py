"""The burned video of an edited job, re-rendered in the background so that an edit answers at once.

A job run with burn has a ``videos`` row once it is edited: ``wanted`` is the current revision, ``rendered`` the one
the stored video shows. After each new revision the edit sets ``wanted`` and a thread of this process renders the
latest revision through the pipeline's burn stage (the document carries the face analysis and shot changes, so no
model runs again) until ``rendered`` catches up; edits made meanwhile are picked up by the next pass. Renders left
unfinished by a stopped server are resumed when it starts.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from pathlib import Path

from ..core.errors import CastscriptError
from ..document import Document
from ..stages.burn import burn_document
from .jobs import PROGRESS_INTERVAL, Services, output_key
from .schemas import JobOptions
from .store import JobRow

log = logging.getLogger(__name__)

BURNED_SUFFIXES = (".castscript.mp4", ".castscript.ass")

_lock = threading.Lock()
_threads: dict[str, threading.Thread] = {}
"""Job id -> the thread rendering its video in this process."""


def burned_outputs(row: JobRow) -> list[str]:
    """The job's outputs the burn stage wrote (the video and the ASS file it burned)."""
    return [name for name in row.outputs if name.endswith(BURNED_SUFFIXES)]


def schedule(services: Services, row: JobRow, number: int) -> None:
    """Have the job's burned video show revision ``number`` (nothing for a job without one)."""
    if not burned_outputs(row) or row.input_key is None:
        return
    with _lock:
        services.store.want_video(row.id, number)
        _start(services, row.id)


def resume(services: Services) -> None:
    """Start the renders a stopped server left unfinished."""
    with _lock:
        for job_id in services.store.stale_videos():
            _start(services, job_id)


def wait(job_id: str, timeout: float | None = None) -> None:
    """Block until this process renders nothing for ``job_id`` (a server that stops leaves the render to resume)."""
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


def _start(services: Services, job_id: str) -> None:
    """A render thread for ``job_id`` unless one is running (called with ``_lock`` held)."""
    thread = _threads.get(job_id)
    if thread is not None and thread.is_alive():
        return
    thread = threading.Thread(target=_render_until_current, args=(services, job_id), daemon=True,
                              name=f"castscript-video-{job_id[:8]}")
    _threads[job_id] = thread
    thread.start()


def _render_until_current(services: Services, job_id: str) -> None:
    store = services.store
    while True:
        with _lock:
            video, row = store.video(job_id), store.job_by_id(job_id)
            if row is None or video is None or video.rendered >= video.wanted or video.error is not None:
                _threads.pop(job_id, None)
                return
        number = video.wanted
        try:
            _render(services, row, number)
        except Exception as exc:  # noqa: BLE001 - a failed render is shown on the job, never kills the server
            message = exc.message if isinstance(exc, CastscriptError) else str(exc)
            log.error("re-rendering the video of job %s (revision %d) failed", job_id, number, exc_info=exc)
            store.update_video(job_id, error=f"Re-rendering the burned video failed: {message}")
            continue
        store.update_video(job_id, rendered=number, progress=1.0)


def _render(services: Services, row: JobRow, number: int) -> None:
    """Burn revision ``number`` into the job's media and store the video and ASS file in place of the old ones."""
    revision = services.store.revision(row.id, number)
    document = Document.from_dict(json.loads(services.storage.read_bytes(revision.key)))
    options = JobOptions(**row.options).to_pipeline_options()
    report = _progress_writer(services, row.id)
    with tempfile.TemporaryDirectory(dir=services.config.work_dir) as folder:
        media = services.storage.fetch(row.input_key, Path(folder))
        burned = burn_document(document, media, Path(folder) / "out", options, report)
        if services.store.job_by_id(row.id) is None:  # deleted while it rendered
            return
        for path in burned.paths:
            if path.name in row.outputs:
                services.storage.put_file(output_key(row.id, path.name), path)


def _progress_writer(services: Services, job_id: str):
    last = [0.0]

    def report(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL:
            last[0] = now
            services.store.update_video(job_id, progress=min(fraction, 0.99))

    return report

