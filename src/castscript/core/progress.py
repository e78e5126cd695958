"""Progress reporting: a rich bar on a terminal, silence in CI, a callback for the service.

Stages are reported by id (``transcribe``; ``transcribe+diarize`` for stages running side by side); ``label`` turns
an id into the words a person reads ("Transcribing and finding speakers"), declared once here.
"""

from __future__ import annotations

import sys
from typing import Callable, Protocol

STAGE_LABELS = {
    "fetch": "Fetching the input",
    "probe": "Reading the file",
    "decode": "Decoding the audio",
    "transcribe": "Transcribing",
    "diarize": "Finding speakers",
    "identify": "Recognising voices",
    "faces": "Finding faces",
    "cuts": "Finding shot changes",
    "translate": "Translating",
    "write": "Writing the outputs",
    "burn": "Burning in subtitles",
    "store": "Storing the outputs",
}
"""Stage id -> what a person reads while it runs."""


def label(stage: str) -> str:
    """Words for a stage id; stages side by side are joined: ``transcribe+diarize`` -> "Transcribing and finding
    speakers". An unknown id is shown as it is."""
    words = [STAGE_LABELS.get(part, part) for part in stage.split("+") if part]
    if len(words) <= 1:
        return words[0] if words else ""
    rest = [w[0].lower() + w[1:] for w in words[1:]]
    return ", ".join([words[0], *rest[:-1]]) + " and " + rest[-1]


class Progress(Protocol):
    def stage(self, name: str) -> None:
        """A new stage starts."""

    def update(self, fraction: float) -> None:
        """Fraction (0-1) of the current stage done."""


class _Reporter:
    """Base for reporters usable as context managers."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class NullProgress(_Reporter):
    def stage(self, name: str) -> None:
        pass

    def update(self, fraction: float) -> None:
        pass


class CallbackProgress(_Reporter):
    """Forwards (stage id, fraction) to a callback, e.g. the service's job record."""

    def __init__(self, callback: Callable[[str, float], None]):
        self.callback = callback
        self.current = ""

    def stage(self, name: str) -> None:
        self.current = name
        self.callback(name, 0.0)

    def update(self, fraction: float) -> None:
        self.callback(self.current, max(0.0, min(1.0, fraction)))


class TerminalProgress(_Reporter):
    """One rich progress bar per stage, described in words; use as a context manager."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

        self._bar = RichProgress(
            TextColumn("{task.description:<34}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(), transient=False,
        )
        self._task = None

    def __enter__(self) -> TerminalProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self._finish_current()
        self._bar.stop()

    def _finish_current(self) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=100)

    def stage(self, name: str) -> None:
        self._finish_current()
        self._task = self._bar.add_task(label(name), total=100)

    def update(self, fraction: float) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=round(100 * max(0.0, min(1.0, fraction))))


def terminal_progress_or_null(quiet: bool = False):
    """A terminal bar when stderr is an interactive terminal (and not quiet), else a silent reporter."""
    if quiet or not sys.stderr.isatty():
        return NullProgress()
    return TerminalProgress()
