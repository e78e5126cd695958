"""Alias: the language checks live with the options in :mod:`castscript.core.options` (kept for existing imports)."""

from .core.options import check_language, check_targets, whisper_languages  # noqa: F401
