"""Celery side of scale-out: the task that runs one job, and `castscript worker`.

Jobs are acknowledged late (after they finish) and rejected back to the queue when their worker process dies, so a
worker killed mid-job leaves its job in Redis for another; the stage cache in the worker's data folder lets the retry
skip finished stages. Redis must persist its data (appendonly yes) for queued jobs to survive a Redis restart; a
job whose acknowledgement was lost with the connection comes back after ``visibility_timeout`` and is skipped, as it
is no longer queued or running.
"""

from __future__ import annotations

import functools
from dataclasses import replace

from celery import Celery

from .config import ServiceConfig
from .cleanup import remove_idle_work_dirs
from .jobs import Services, run_job

TASK_NAME = "castscript.run_job"
QUEUE = "castscript"

app = Celery("castscript")
_worker_config: ServiceConfig | None = None


def celery_app(config: ServiceConfig) -> Celery:
    """The Celery app set up for ``config``'s broker (one per process)."""
    app.conf.update(
        broker_url=config.broker,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": config.visibility_timeout},
    )
    return app


@functools.cache
def _services() -> Services:
    """Job store and storage, opened once in each worker process (after the fork)."""
    return Services.open(_worker_config or ServiceConfig.from_env())


@app.task(name=TASK_NAME)
def run_job_task(job_id: str) -> None:
    run_job(job_id, _services())


def start_worker(config: ServiceConfig, concurrency: int, loglevel: str = "INFO") -> None:
    """Run a Celery worker for castscript jobs until stopped (blocks)."""
    global _worker_config
    _worker_config = replace(config, workers=concurrency)
    remove_idle_work_dirs(_services())  # left by a worker killed on this machine
    _services.cache_clear()  # each pool process opens its own connections after the fork
    celery_app(config).worker_main([
        "worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", "--pool=prefork", f"--queues={QUEUE}",
        "--without-gossip", "--without-mingle", "--hostname=castscript@%h",
    ])
