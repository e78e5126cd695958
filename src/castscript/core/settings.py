"""The one place that reads ``CASTSCRIPT_*`` environment variables, into typed settings.

``settings()`` reads the environment each time it is called (cheap), so tests and the service may change it at run
time. A malformed value is an InvalidOption naming the variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable

from .errors import InvalidOption

PREFIX = "CASTSCRIPT_"
HOME_CACHE = Path.home() / ".cache" / "castscript"
HOME_DATA = Path.home() / ".local" / "share" / "castscript"


def _path(value: str) -> Path:
    return Path(value).expanduser()


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _names(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """Each field is ``CASTSCRIPT_<FIELD NAME IN CAPITALS>``; None where unset and the default lives with its user."""

    models: Path | None = None
    """Model bundle folder (the layout of shared/models)."""
    model_mirror: str | None = None
    """Base URL replacing every public model source."""
    offline: bool = False
    """True ("1"): never download models."""
    cache: Path = HOME_CACHE
    """Stage, translation and model download caches."""
    media: Path | None = None
    """Shared test media (benchmarks and tests)."""
    voices: Path = HOME_DATA / "voices.sqlite"
    """The voice library of the CLI."""
    voice_threshold: float | None = None
    """Cosine score an enrolled voice must reach (None: the calibrated default)."""
    max_duration: float | None = None
    """Longest media accepted, in seconds (None: the ingest default)."""
    http_backoff: float = 1.0
    """First retry delay of translation web services, in seconds."""
    openai_base_url: str | None = None
    openai_model: str | None = None
    x264_preset: str = "veryfast"
    fonts: Path | None = None
    """Extra fonts folder for burned subtitles."""
    server: str = "http://127.0.0.1:8000"
    """Server of ``castscript watch``."""
    token: str | None = None
    """API token of ``castscript watch``."""
    data: Path | None = None
    db_url: str | None = None
    storage: str | None = None
    broker: str | None = None
    workers: int | None = None
    max_upload: str | None = None
    max_active_jobs: int | None = None
    cors_origins: tuple[str, ...] = ()
    webhook_attempts: int | None = None
    webhook_backoff: float | None = None
    visibility_timeout: int | None = None
    upload_ttl: float | None = None
    cleanup_interval: float | None = None
    fetch_allow: tuple[str, ...] = ()
    """Networks (CIDR) that URL inputs and webhooks may reach although internal."""


_PARSERS: dict[type | str, Callable[[str], object]] = {
    "Path | None": _path, "Path": _path, "bool": _flag, "float | None": float, "float": float, "int | None": int,
    "tuple[str, ...]": _names, "str | None": str, "str": str,
}


def settings(environ: dict[str, str] | None = None) -> Settings:
    """The settings from ``environ`` (default: this process's environment)."""
    environ = os.environ if environ is None else environ
    values = {}
    for spec in fields(Settings):
        raw = environ.get(env_name(spec.name), "")
        if not raw.strip():
            continue
        try:
            values[spec.name] = _PARSERS[spec.type](raw.strip())
        except ValueError:
            raise InvalidOption(f"{env_name(spec.name)}='{raw}' is not a valid {spec.type.split(' ')[0]}.") from None
    return Settings(**values)


def env_name(field_name: str) -> str:
    return PREFIX + field_name.upper()
