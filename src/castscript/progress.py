"""Alias of :mod:`castscript.core.progress` (kept so existing imports keep working)."""

from .core.progress import (  # noqa: F401
    STAGE_LABELS,
    CallbackProgress,
    NullProgress,
    Progress,
    TerminalProgress,
    label,
    terminal_progress_or_null,
)
