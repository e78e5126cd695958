"""Revisions of a finished job's document: edits and restores add one, nothing is ever overwritten.

Revision 0 is the document the pipeline wrote (recorded at the first edit); each later one is a new document file
under a unique storage key plus a row (job, number) in the job store. The number is the row's primary key, so of
two edits on the same base only one can be recorded: the other gets a 409 with the current number. After each new
revision every text output of the job is re-written from it (no model runs again), and a burned video is
re-rendered in the background (service.videos).
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

from ..alignment import WhisperAligner
from ..document import Document
from ..operations import Operation, apply_operations
from ..subtitles import write_outputs
from . import videos
from .errors import Conflict, NotFound
from .jobs import Services, document_key, job_prefix, output_key
from .schemas import JobOptions
from .store import JobRow, RevisionRow

PIPELINE_AUTHOR = "castscript"
_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
"""One lock per job in this process: an edit's outputs are written before the next edit of that job starts."""


class RevisionConflict(Conflict):
    """The edit was made on a revision that is no longer the current one."""

    def __init__(self, message: str, *, hint: str | None = None, revision: int = 0):
        super().__init__(message, hint=hint)
        self.revision = revision

    def to_dict(self) -> dict:
        return {**super().to_dict(), "revision": self.revision}


def _revision_key(job_id: str, number: int) -> str:
    return f"{job_prefix(job_id)}/revisions/{number:06d}-{uuid.uuid4().hex[:8]}.json"


def _document_bytes(document: Document) -> bytes:
    return json.dumps(document.to_dict(), ensure_ascii=False).encode()


def _read(services: Services, key: str) -> Document:
    return Document.from_dict(json.loads(services.storage.read_bytes(key)))


def current(services: Services, job_id: str) -> tuple[int, Document]:
    """(number, document) of the job's current revision."""
    latest = services.store.latest_revision(job_id)
    if latest is None:
        return 0, _read(services, document_key(job_id))
    return latest.number, _read(services, latest.key)


def history(services: Services, row: JobRow) -> list[RevisionRow]:
    _record_first(services, row)
    return services.store.revisions(row.id)


def _record_first(services: Services, row: JobRow) -> None:
    """Keep the pipeline's document as revision 0 (once; a racing copy loses and is dropped)."""
    if services.store.revision(row.id, 0) is not None:
        return
    key = _revision_key(row.id, 0)
    services.storage.write_bytes(key, services.storage.read_bytes(document_key(row.id)))
    when = row.finished_at or time.time()
    if not services.store.add_revision(RevisionRow(job_id=row.id, number=0, key=key, who=PIPELINE_AUTHOR,
                                                   summary="transcribed", created_at=when)):
        services.storage.delete(key)


def edit(services: Services, row: JobRow, base: int, operations: list[Operation], who: str) -> int:
    """Apply ``operations`` to revision ``base``, which must be the current one; return the new revision number."""
    options = JobOptions(**row.options).to_pipeline_options()
    with _locks[row.id]:
        _record_first(services, row)
        number, document = current(services, row.id)
        if base != number:
            raise _conflict(base, number)
        with tempfile.TemporaryDirectory(dir=services.config.work_dir) as folder:
            aligner = _aligner(services, row, operations, Path(folder))
            edited = apply_operations(document, operations, options.translation.translator, options.use_cache, aligner)
        return _commit(services, row, number + 1, edited.document, who, "; ".join(edited.summaries))


def _aligner(services: Services, row: JobRow, operations: list[Operation], folder: Path) -> WhisperAligner | None:
    """Retyped lines are aligned on the job's media (fetched into ``folder`` from object storage)."""
    if row.input_key is None or not any(op.op == "set_text" for op in operations):
        return None
    options = JobOptions(**row.options)
    return WhisperAligner(services.storage.fetch(row.input_key, folder), options.model, services.config.job_threads)


def document_at(services: Services, row: JobRow, number: int) -> Document:
    _record_first(services, row)
    target = services.store.revision(row.id, number)
    if target is None:
        raise NotFound(f"Job {row.id} has no revision {number}.", hint="GET /jobs/{id}/revisions lists them.")
    return _read(services, target.key)


def restore(services: Services, row: JobRow, number: int, who: str, base: int | None = None) -> int:
    """Make revision ``number`` current again as a new revision; return the new number. With ``base``, only if that
    is the current revision (an undo must not drop someone else's edit)."""
    with _locks[row.id]:
        document = document_at(services, row, number)
        latest, _ = current(services, row.id)
        if base is not None and base != latest:
            raise _conflict(base, latest)
        return _commit(services, row, latest + 1, document, who, f"restored revision {number}")


def _conflict(base: int, number: int) -> RevisionConflict:
    return RevisionConflict(f"The transcript changed: revision {number} is current, the edit was made on {base}.",
                            hint="Reload the transcript, then make the edit again.", revision=number)


def _commit(services: Services, row: JobRow, number: int, document: Document, who: str, summary: str) -> int:
    key = _revision_key(row.id, number)
    services.storage.write_bytes(key, _document_bytes(document))
    recorded = services.store.add_revision(RevisionRow(job_id=row.id, number=number, key=key, who=who,
                                                       summary=summary[:2000], created_at=time.time()))
    if not recorded:  # another server process recorded this number first
        services.storage.delete(key)
        raise _conflict(number - 1, services.store.latest_revision(row.id).number)
    write_job_outputs(services, row, document)
    videos.schedule(services, row, number)
    return number


def write_job_outputs(services: Services, row: JobRow, document: Document) -> None:
    """Re-write the job's text outputs (the formats it was run with) from ``document``."""
    options = JobOptions(**row.options).to_pipeline_options()
    stem = Path(row.input_name).stem
    with tempfile.TemporaryDirectory(dir=services.config.work_dir) as folder:
        for path in write_outputs(document, Path(folder), stem, list(options.formats), options.output):
            if path.name in row.outputs:
                services.storage.put_file(output_key(row.id, path.name), path)
