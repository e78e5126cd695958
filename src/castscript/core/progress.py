"""Progress reporting: a rich bar on a terminal, silence in CI, a callback for the service.

Stages are reported by id (``transcribe``; ``transcribe+diarize`` for stages running side by side, with the share of
their combined expected cost done as the fraction); ``label`` turns an id into the words a person reads ("Transcribing
and finding speakers"), declared once here. ``JobEstimate`` turns the reports into the time left of the whole job.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class StageCost:
    """Expected wall seconds of a stage: a fixed part (model loads) plus ``per_second`` of media."""

    fixed: float = 0.0
    per_second: float = 0.0

    def seconds(self, duration: float) -> float:
        return self.fixed + self.per_second * duration


STAGE_COSTS = {
    "fetch": StageCost(0.5),
    "probe": StageCost(0.2),
    "decode": StageCost(0.2, 0.01),
    "transcribe": StageCost(2.0, 0.07),
    "diarize": StageCost(0.5, 0.04),
    "identify": StageCost(0.3, 0.01),
    "faces": StageCost(1.0, 0.55),
    "cuts": StageCost(0.2, 0.05),
    "translate": StageCost(1.0, 0.01),
    "write": StageCost(0.1, 0.002),
    "burn": StageCost(0.5, 0.35),
    "store": StageCost(0.1, 0.005),
}
"""Expected cost of each stage on the reference machine (2 vCPU, no GPU, Whisper base int8), from the README's
Performance figures: ASR 41 s per 10 min, diarization 40x real time, faces 1.87x, the burn pass ~0.35 s per second of
720p video, translation 2-7.5 % of a run. Stages side by side cost as much as the slowest of them."""
SPEED_PRIOR = 10.0
"""Seconds of expected work the reference speed counts for, against the speed observed so far (so a stage of a
fraction of a second does not swing the estimate)."""


def stage_seconds(stage: str, duration: float, costs: dict[str, StageCost] = STAGE_COSTS) -> float:
    """Expected seconds of a stage id (the slowest part of ``a+b`` side by side); an unknown id costs nothing."""
    return max((costs[part].seconds(duration) for part in stage.split("+") if part in costs), default=0.0)


def side_by_side_fraction(fractions: Mapping[str, float], duration: float | None,
                          costs: dict[str, StageCost] = STAGE_COSTS) -> float:
    """Stages running side by side as one fraction: the share of their combined expected cost done, so it (and a
    job's time left) moves as any of them advances, by what that stage weighs; their mean without a ``duration``
    or when none of them has a cost. A stage without a cost beside ones with a cost counts for nothing."""
    weights = {name: stage_seconds(name, duration, costs) if duration is not None else 0.0 for name in fractions}
    total = sum(weights.values())
    if total <= 0:
        weights, total = dict.fromkeys(fractions, 1.0), len(fractions)
    return sum(fraction * weights[name] for name, fraction in fractions.items()) / total


class JobEstimate:
    """Time left of a whole job: the expected cost of the stages still to run (``steps``, the stage ids a run will
    report in order), scaled by the speed observed on the stages already done, plus what is left of the current one
    (its expected rest, and as it advances, the rest its own pace predicts).

    A reported stage that matches a later step (a part in common) closes every step before it: skipped steps (cached
    results) cost nothing; a stage not in the plan is added where it is reported.
    """

    def __init__(self, steps: list[str], duration: float, clock: Callable[[], float] = time.monotonic,
                 costs: dict[str, StageCost] = STAGE_COSTS):
        self.steps = list(steps)
        self.duration, self.clock, self.costs = duration, clock, costs
        self.expected = [stage_seconds(step, duration, costs) for step in self.steps]
        self.index, self.started, self.fraction = -1, clock(), 0.0
        self.spent = self.done_expected = 0.0
        self.finished = False

    def stage(self, name: str) -> None:
        now = self.clock()
        if 0 <= self.index < len(self.steps) and name == self.steps[self.index]:
            return
        self._close(now)
        parts = set(name.split("+"))
        later = [i for i in range(self.index + 1, len(self.steps)) if parts & set(self.steps[i].split("+"))]
        if later:
            self.index = later[0]
        else:
            self.index += 1
            self.steps.insert(self.index, name)
            self.expected.insert(self.index, stage_seconds(name, self.duration, self.costs))
        self.started, self.fraction = now, 0.0

    def update(self, fraction: float) -> None:
        self.fraction = max(self.fraction, min(1.0, max(0.0, fraction)))

    def finish(self) -> None:
        self._close(self.clock())
        self.finished = True

    def _close(self, now: float) -> None:
        if 0 <= self.index < len(self.steps):
            self.spent += now - self.started
            self.done_expected += self.expected[self.index]

    @property
    def speed(self) -> float:
        """Observed seconds per expected second so far (1: as fast as the reference machine); it scales every stage
        still to run. The current stage's pace counts in proportion to its fraction done: its start (model loads,
        stages side by side that start unevenly) says little about the machine."""
        spent, done = self.spent + SPEED_PRIOR, self.done_expected + SPEED_PRIOR
        if 0 <= self.index < len(self.steps) and not self.finished:
            f = self.fraction
            spent += f * (self.clock() - self.started)
            done += f * f * self.expected[self.index]
        return spent / done

    def remaining(self) -> float:
        """Seconds until the whole job is done."""
        if self.finished:
            return 0.0
        speed = self.speed
        rest = speed * sum(self.expected[self.index + 1:])
        if self.index < 0:
            return rest
        f = self.fraction
        planned = speed * self.expected[self.index] * (1.0 - f)
        elapsed = self.clock() - self.started
        paced = elapsed * (1.0 - f) / f if f > 0 else planned
        return rest + (1.0 - f) * planned + f * paced


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
