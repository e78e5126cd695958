"""Independent stages side by side: threads (the models release the GIL), one progress stage, first failure wins."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable

from .core.progress import Progress, side_by_side_fraction

ProgressCallback = Callable[[float], None]
StageWork = Callable[[ProgressCallback], Any]


def threads_or_all(threads: int = 0) -> int:
    """``threads`` when positive, else every core this process may use."""
    if threads > 0:
        return threads
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Abandoned(Exception):
    """Raised inside a stage's progress callback once a stage running beside it has failed."""


@dataclass
class StageTimes:
    """Wall seconds of every stage that ran, by name (stages that ran side by side overlap)."""

    seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, name: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return work()
        finally:
            self.seconds[name] = round(time.perf_counter() - started, 3)


class SideBySide:
    """Runs named stages in threads; the reported fraction is the share of their combined expected cost done
    (``duration``: seconds of media, see core.progress.side_by_side_fraction); one failure stops the others.

    ``start`` launches a stage early (e.g. face analysis while the audio is still being decoded); ``finish`` runs the
    remaining ones under one progress stage and returns every stage's result. With ``parallel=False`` the stages run
    one after the other, each as its own progress stage.
    """

    def __init__(self, progress: Progress, times: StageTimes, parallel: bool = True, duration: float | None = None):
        self.progress = progress
        self.times = times
        self.parallel = parallel
        self.duration = duration
        self._deferred: dict[str, StageWork] = {}
        self._fractions: dict[str, float] = {}
        self._futures: dict[str, Future] = {}
        self._reporting = False
        self._failed = threading.Event()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="castscript-stage") if parallel else None

    def start(self, name: str, work: StageWork) -> None:
        if not self.parallel:
            self._deferred[name] = work
            return
        self._fractions[name] = 0.0
        self._futures[name] = self._pool.submit(self.times.timed, name, lambda: work(self._reporter(name)))

    def finish(self, stages: dict[str, StageWork]) -> dict[str, Any]:
        stages = {**self._deferred, **stages}
        if not self.parallel:
            return {name: self._run_alone(name, work) for name, work in stages.items()}
        try:
            if stages or self._futures:
                self.progress.stage("+".join([*self._futures, *stages]))
                self._fractions.update(dict.fromkeys(stages, 0.0))
                self._reporting = True
            for name, work in stages.items():
                self.start(name, work)
            done, _ = wait(self._futures.values(), return_when=FIRST_EXCEPTION)
            if any(f.exception() for f in done):
                self._failed.set()
            wait(self._futures.values())
            errors = [f.exception() for f in self._futures.values() if f.exception()]
            if errors:
                raise next((e for e in errors if not isinstance(e, Abandoned)), errors[0])
            return {name: future.result() for name, future in self._futures.items()}
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _run_alone(self, name: str, work: StageWork) -> Any:
        self.progress.stage(name)
        return self.times.timed(name, lambda: work(self.progress.update))

    def _reporter(self, name: str) -> ProgressCallback:
        def report(fraction: float) -> None:
            if self._failed.is_set():
                raise Abandoned(name)
            with self._lock:
                self._fractions[name] = fraction
                combined = side_by_side_fraction(self._fractions, self.duration)
            if self._reporting:
                self.progress.update(combined)

        return report
