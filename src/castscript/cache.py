"""Stage cache: each stage's result stored by a hash of its input media and options, so re-runs skip it."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Callable, TypeVar

from .core.files import write_atomic
from .core.settings import settings

log = logging.getLogger(__name__)
T = TypeVar("T")

FULL_HASH_LIMIT = 256 << 20
SAMPLES = 64
SAMPLE_SIZE = 1 << 20


def media_fingerprint(path: str | Path) -> str:
    """Content hash of a media file: all of it up to 256 MB, else its size plus 64 evenly spread 1 MB samples."""
    path = Path(path)
    size = path.stat().st_size
    digest = hashlib.blake2b(str(size).encode(), digest_size=20)
    with open(path, "rb") as handle:
        if size <= FULL_HASH_LIMIT:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        else:
            step = (size - SAMPLE_SIZE) // (SAMPLES - 1)
            for i in range(SAMPLES):
                handle.seek(i * step)
                digest.update(handle.read(SAMPLE_SIZE))
    return digest.hexdigest()


def stage_key(*parts: Any) -> str:
    """Key for a stage result from its inputs' keys and options (anything JSON-serialisable via repr)."""
    return hashlib.blake2b(json.dumps(parts, sort_keys=True, default=repr).encode(), digest_size=20).hexdigest()


class StageCache:
    """JSON files under ``root/stages``; ``enabled=False`` computes every time."""

    def __init__(self, root: Path | None = None, enabled: bool = True):
        self.folder = Path(root if root is not None else settings().cache) / "stages"
        self.enabled = enabled
        self.hits: list[str] = []

    def get_or_compute(
        self, stage: str, key: str, compute: Callable[[], T], encode: Callable[[T], Any], decode: Callable[[Any], T]
    ) -> T:
        value = self.load(stage, key, decode)
        if value is None:
            value = self.store(stage, key, compute(), encode)
        return value

    def load(self, stage: str, key: str, decode: Callable[[Any], T]) -> T | None:
        """The stored result of ``stage`` under ``key``, or None when there is none (or it is unreadable)."""
        path = self._path(stage, key)
        if not (self.enabled and path.is_file()):
            return None
        try:
            value = decode(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            log.warning("stage %s: ignoring unreadable cache file %s", stage, path)
            return None
        self.hits.append(stage)
        log.info("stage %s: cached result %s", stage, path.name)
        return value

    def store(self, stage: str, key: str, value: T, encode: Callable[[T], Any]) -> T:
        if self.enabled:
            write_atomic(self._path(stage, key), json.dumps(encode(value), ensure_ascii=False))
        return value

    def _path(self, stage: str, key: str) -> Path:
        return self.folder / f"{stage}-{key}.json"
