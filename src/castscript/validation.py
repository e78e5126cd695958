"""Checks of option values shared by the CLI and the service, so both reject the same input with the same message."""

from __future__ import annotations

import functools

from .errors import InvalidOption


@functools.cache
def whisper_languages() -> tuple[str, ...]:
    """The language codes Whisper knows (ISO 639-1, plus a few 639-2 like haw and yue)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(sorted(_LANGUAGE_CODES))


def _codes_hint(first: str) -> str:
    return f"{first} one of Whisper's language codes: {', '.join(whisper_languages())}."


def check_language(code: str | None) -> None:
    """The spoken language: auto (or nothing) or a code Whisper knows."""
    if code in (None, "", "auto"):
        return
    if code not in whisper_languages():
        raise InvalidOption(f"Unknown language '{code}' (--language).", hint=_codes_hint("Use 'auto' or"))


def check_targets(targets: tuple[str, ...] | list[str]) -> None:
    """Translation targets: language codes (a region is allowed: pt-BR) whose language Whisper knows."""
    unknown = [t for t in targets if t.split("-")[0].lower() not in whisper_languages()]
    if unknown:
        raise InvalidOption(f"Unknown translation target language(s): {', '.join(unknown)} (--translate-to).",
                            hint=_codes_hint("Use"))
