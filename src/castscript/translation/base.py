"""What every translation backend shares: the lines it is given, the Translator protocol, language codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from ..core.errors import TranslationError

LANGUAGE_CODE = re.compile(r"^([A-Za-z]{2,3})((?:-[A-Za-z0-9]{2,8})*)$")


@dataclass(frozen=True)
class Line:
    """One transcript segment to translate (or shown as context), with its timing and speaker."""

    text: str
    start: float
    end: float
    speaker: str | None = None


@dataclass(frozen=True)
class Batch:
    """Lines translated in one backend call, with the lines just before and after them as context."""

    lines: tuple[Line, ...]
    before: tuple[Line, ...] = ()
    after: tuple[Line, ...] = ()


class Translator(Protocol):
    name: str
    """Backend name (part of the translation cache key)."""
    model: str
    """Model identity (part of the translation cache key)."""
    batch_size: int
    """Most lines per ``translate`` call."""

    def translate(self, batch: Batch, source: str, target: str) -> list[str]:
        """Translations of ``batch.lines`` from ``source`` into ``target``, one per line, in order."""


def normalize_language(code: str) -> str:
    """``PT-br`` -> ``pt-br``-style code with a lower-case base; a TranslationError for anything else."""
    match = LANGUAGE_CODE.match(code.strip())
    if match is None:
        raise TranslationError(
            f"'{code}' is not a language code.",
            hint="Use ISO 639-1 codes such as pt, es, de, optionally with a region (pt-BR).",
        )
    return match.group(1).lower() + match.group(2)


def base_language(code: str) -> str:
    """``pt-BR`` -> ``pt``."""
    return code.split("-")[0].lower()
