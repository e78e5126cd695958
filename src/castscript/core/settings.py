"""The one place that reads ``CASTSCRIPT_*`` environment variables, into typed settings.

``settings()`` reads a variable when it is used (cheap), so tests and the service may change them at run time. A
malformed value is an InvalidOption (exit 2) naming the variable, raised by what uses it.
"""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Callable, Mapping, cast

from .errors import InvalidOption

PREFIX = "CASTSCRIPT_"


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
    cache: Path = field(default_factory=lambda: Path.home() / ".cache" / "castscript")
    """Stage, translation and model download caches."""
    media: Path | None = None
    """Shared test media (benchmarks and tests)."""
    voices: Path = field(default_factory=lambda: Path.home() / ".local" / "share" / "castscript" / "voices.sqlite")
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
    peers_python: str | None = None
    """Python of the benchmark-only peers' environment (benchmarks/setup_peers.sh)."""
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


class _Lazy:
    """Settings read on access, one variable at a time: a malformed variable fails only what uses it."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ

    def __getattr__(self, name: str):
        spec = _FIELDS.get(name)
        if spec is None:
            raise AttributeError(name)
        raw = self._environ.get(env_name(name), "").strip()
        if not raw:
            return spec.default_factory() if spec.default is MISSING else spec.default
        try:
            return _PARSERS[spec.type](raw)
        except ValueError:
            raise InvalidOption(f"{env_name(name)}='{raw}' is not a valid {spec.type.split(' ')[0]}.") from None


_FIELDS = {spec.name: spec for spec in fields(Settings)}


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of ``environ`` (default: this process's environment, read at each access)."""
    return cast(Settings, _Lazy(os.environ if environ is None else environ))


def env_name(field_name: str) -> str:
    return PREFIX + field_name.upper()
