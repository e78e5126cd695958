"""Service settings: every one has an environment variable and a ``castscript serve`` flag."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

from ..concurrency import threads_or_all
from ..core.settings import settings
from ..core.errors import InvalidOption

GB = 1 << 30
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def parse_size(value: str | int) -> int:
    """Bytes from ``10G``, ``512M``, ``1048576``..."""
    if isinstance(value, int):
        return value
    match = _SIZE.match(value)
    if not match:
        raise InvalidOption(f"'{value}' is not a size.", hint="Use bytes or a suffix: 512M, 10G.")
    number, unit = match.groups()
    return int(float(number) * (1 << (10 * " kmgt".index(unit.lower() or " "))))


def default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "castscript" / "service"


@dataclass(frozen=True)
class ServiceConfig:
    data_dir: Path = field(default_factory=default_data_dir)
    """Job database (SQLite), local storage, stage cache and temporary work folders live here by default."""
    db_url: str | None = None
    """SQLAlchemy URL of the job store; default: SQLite in data_dir."""
    storage: str | None = None
    """A folder or s3://bucket/prefix (endpoint from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL); default: data_dir/files."""
    broker: str | None = None
    """redis://... sends jobs to Celery workers; None runs them in this process."""
    workers: int = 2
    """Jobs run at once: in-process worker threads (without a broker), or a Celery worker's concurrency."""
    max_upload_bytes: int = 10 * GB
    max_active_jobs: int = 100
    """Queued plus running jobs allowed per token owner."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed to call the API from a browser; empty: CORS off."""
    webhook_attempts: int = 5
    webhook_backoff: float = 2.0
    """Seconds before the first webhook retry; doubles after each."""
    visibility_timeout: int = 12 * 3600
    """Seconds before Redis hands an unacknowledged job to another worker (longer than the longest job)."""
    upload_ttl: float = 24 * 3600
    """Seconds an upload no job uses, or a half-written file nobody writes to, is kept before the sweeper removes it."""
    cleanup_interval: float = 600
    """Seconds between sweeps for orphaned uploads, half-written files and work folders."""
    fetch_allow: tuple[str, ...] = ()
    """Networks (CIDR) that URL inputs and webhooks may reach although private, loopback or link-local."""

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'jobs.sqlite'}"

    @property
    def storage_url(self) -> str:
        return self.storage or str(self.data_dir / "files")

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def job_threads(self) -> int:
        """CPU threads each job's models get: the cores shared out between the jobs running at once (CTranslate2
        and onnxruntime slow down many times over when their threads outnumber the cores)."""
        return max(1, threads_or_all() // max(1, self.workers))

    def voice_library(self, owner: str) -> Path:
        """Each owner's own voice library (enrol with: castscript speakers enroll --voices THIS_PATH ...)."""
        return self.data_dir / "voices" / f"{quote(owner, safe='')}.sqlite"

    @classmethod
    def from_env(cls, **overrides) -> ServiceConfig:
        """Settings from CASTSCRIPT_* variables; ``overrides`` (e.g. command-line flags) win when not None."""
        env = settings()
        values = dict(
            data_dir=env.data, db_url=env.db_url, storage=env.storage, broker=env.broker, workers=env.workers,
            max_upload_bytes=parse_size(env.max_upload) if env.max_upload else None,
            max_active_jobs=env.max_active_jobs, cors_origins=env.cors_origins or None,
            webhook_attempts=env.webhook_attempts, webhook_backoff=env.webhook_backoff,
            visibility_timeout=env.visibility_timeout, upload_ttl=env.upload_ttl,
            cleanup_interval=env.cleanup_interval, fetch_allow=env.fetch_allow or None,
        )
        chosen = {k: v for k, v in values.items() if v is not None}
        chosen.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **chosen)
