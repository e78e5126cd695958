"""Translations stored by (backend, model, source language, target language, text), so re-runs make no model call."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from pathlib import Path

from ..core.settings import settings


def default_path() -> Path:
    return settings().cache / "translations.sqlite"


def cache_key(backend: str, model: str, source: str, target: str, text: str) -> str:
    return hashlib.blake2b(json.dumps([backend, model, source, target, text]).encode(), digest_size=20).hexdigest()


class TranslationCache:
    """A SQLite table of translations; safe for several processes (the service's workers) at once."""

    def __init__(self, path: Path | None = None, reuse: bool = True):
        self.path = Path(path) if path is not None else default_path()
        self.reuse = reuse
        """False: every line is translated again (and the stored translation refreshed)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS translations (key TEXT PRIMARY KEY, translation TEXT NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get_many(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        if not self.reuse:
            return found
        with closing(self._connect()) as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(db.execute(f"SELECT key, translation FROM translations WHERE key IN ({marks})", chunk))
        return found

    def put_many(self, items: dict[str, str]) -> None:
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR REPLACE INTO translations (key, translation) VALUES (?, ?)", items.items())
