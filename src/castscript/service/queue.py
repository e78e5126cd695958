"""Where jobs run: a thread pool inside the server (embedded default), or Celery workers behind a broker."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from kombu.exceptions import OperationalError

from .errors import QueueUnavailable
from .jobs import Services, run_job
from .store import QUEUED, RUNNING


log = logging.getLogger(__name__)

SEND_RETRY = {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1.0}
"""Publishing waits about 2 s for the broker before the request fails with 503."""


class JobQueue(Protocol):
    def start(self) -> None: ...
    def submit(self, job_id: str) -> None: ...
    def cancel(self, job_id: str) -> None:
        """Stop a running job promptly (the job's state has already been set)."""

    def stop(self) -> None: ...


class InProcessQueue:
    """Worker threads in the API process; jobs left queued or running by a previous run are resumed on start."""

    def __init__(self, services: Services, workers: int):
        self.services = services
        self.workers = workers
        self.stopping = threading.Event()
        self.executor: ThreadPoolExecutor | None = None

    def start(self) -> None:
        self.executor = ThreadPoolExecutor(self.workers, thread_name_prefix="castscript-job")
        store = self.services.store
        for job_id in store.unfinished_job_ids():
            store.transition(job_id, (RUNNING,), state=QUEUED, stage=None, progress=0.0)
            self.submit(job_id)

    def submit(self, job_id: str) -> None:
        self.executor.submit(run_job, job_id, self.services, self.stopping)

    def cancel(self, job_id: str) -> None:
        """Nothing to signal: the running thread sees the new state at its next progress report."""

    def stop(self) -> None:
        self.stopping.set()
        self.executor.shutdown(wait=True, cancel_futures=True)


class CeleryQueue:
    """Jobs go to Celery workers (`castscript worker`) through the broker; cancel revokes the task."""

    def __init__(self, services: Services):
        from .tasks import TASK_NAME, celery_app

        self.app = celery_app(services.config)
        self.task_name = TASK_NAME

    def start(self) -> None:
        """Workers own the jobs: queued ones wait in the broker."""

    def submit(self, job_id: str) -> None:
        try:
            self.app.send_task(self.task_name, args=[job_id], task_id=job_id, retry_policy=SEND_RETRY)
        except (OperationalError, OSError) as exc:
            raise QueueUnavailable(f"The job queue ({self.app.conf.broker_url}) cannot be reached: {exc}",
                                   hint="Nothing was queued; retry in a moment.") from None

    def cancel(self, job_id: str) -> None:
        """Revoke the task; without a broker the worker still stops at its next progress report."""
        try:
            # SIGUSR1 raises SoftTimeLimitExceeded inside the task, so the job cleans up its work folder.
            self.app.control.revoke(job_id, terminate=True, signal="SIGUSR1")
        except (OperationalError, OSError) as exc:
            log.warning("could not revoke job %s (%s); it stops at its next progress report", job_id, exc)

    def stop(self) -> None:
        """Nothing to stop: jobs keep running on the workers."""


def make_queue(services: Services) -> JobQueue:
    config = services.config
    return CeleryQueue(services) if config.broker else InProcessQueue(services, config.workers)
