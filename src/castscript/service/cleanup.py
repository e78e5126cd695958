"""The sweeper: removes what crashes and abandoned clients leave behind, so storage only holds what jobs use.

Uploads no job uses, half-written files nobody has touched for ``upload_ttl`` seconds, and work folders of jobs
that are not running (left by a killed server or worker).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from dataclasses import dataclass

from .jobs import Services
from .store import RUNNING

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Swept:
    uploads: int
    partial_files: int
    work_dirs: int


def sweep(services: Services, now: float | None = None) -> Swept:
    """One pass; safe to run from several processes at once."""
    cutoff = (now or time.time()) - services.config.upload_ttl
    uploads = services.store.unused_uploads(cutoff)
    for row in uploads:
        services.storage.delete_prefix(f"uploads/{row.id}")
        services.store.delete_upload(row.id)
    swept = Swept(len(uploads), services.storage.delete_partial(cutoff), remove_idle_work_dirs(services))
    if any((swept.uploads, swept.partial_files, swept.work_dirs)):
        log.info("sweeper removed %s", swept)
    return swept


def remove_idle_work_dirs(services: Services) -> int:
    """Work folders (named JOBID-...) of jobs that are not running here or anywhere: their process died."""
    idle = [folder for folder in services.config.work_dir.glob("*-*")
            if services.store.state_of(folder.name.split("-", 1)[0]) != RUNNING]
    for folder in idle:
        shutil.rmtree(folder, ignore_errors=True)
    return len(idle)


class Sweeper:
    """Runs ``sweep`` every ``cleanup_interval`` seconds in a daemon thread until stopped."""

    def __init__(self, services: Services):
        self.services = services
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="castscript-sweeper", daemon=True)

    def _run(self) -> None:
        while not self.stopping.wait(self.services.config.cleanup_interval):
            try:
                sweep(self.services)
            except Exception:  # noqa: BLE001 - a failed sweep is retried at the next interval
                log.exception("sweep failed")

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
