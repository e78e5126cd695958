"""Stages side by side: really concurrent, one progress stage with the share of their combined expected cost done,
first failure stops the rest."""

from __future__ import annotations

import threading

import pytest

from castscript.concurrency import SideBySide, StageTimes
from castscript.core.progress import STAGE_COSTS


class Recorder:
    def __init__(self):
        self.events: list[tuple[str, object]] = []

    def stage(self, name):
        self.events.append(("stage", name))

    def update(self, fraction):
        self.events.append(("update", fraction))


def test_stages_run_at_the_same_time_under_one_progress_stage():
    both_running = threading.Barrier(2, timeout=10)  # one after the other, the first would wait forever

    def work(result):
        def run(report):
            both_running.wait()
            report(1.0)
            return result
        return run

    progress, times = Recorder(), StageTimes()
    results = SideBySide(progress, times).finish({"transcribe": work("words"), "diarize": work("turns")})
    assert results == {"transcribe": "words", "diarize": "turns"}
    assert ("stage", "transcribe+diarize") in progress.events
    assert set(times.seconds) == {"transcribe", "diarize"}
    assert ("update", 1.0) in progress.events


TRANSCRIBE, DIARIZE = STAGE_COSTS["transcribe"].seconds(600.0), STAGE_COSTS["diarize"].seconds(600.0)


@pytest.mark.parametrize(("names", "duration", "expected"), [
    (("transcribe", "diarize"), 600.0, [TRANSCRIBE / (TRANSCRIBE + DIARIZE),
                                        (TRANSCRIBE + 0.5 * DIARIZE) / (TRANSCRIBE + DIARIZE)]),
    (("a", "b"), None, [0.5, 0.75]),  # no costs: the mean
])
def test_reported_fraction_weighs_each_stage_by_its_expected_cost(names, duration, expected):
    first_reported = threading.Event()

    def first(report):
        report(1.0)
        first_reported.set()

    def second(report):
        first_reported.wait(10)
        report(0.5)

    progress = Recorder()
    SideBySide(progress, StageTimes(), duration=duration).finish(dict(zip(names, (first, second))))
    updates = [value for kind, value in progress.events if kind == "update"]
    assert updates == pytest.approx(expected)


def test_a_failure_stops_the_other_stage_and_is_the_error_raised():
    failed = threading.Event()
    steps_after_failure = []

    def failing(report):
        failed.set()
        raise ValueError("unknown language 'xx'")

    def long_running(report):
        failed.wait(10)
        for step in range(1000):
            report(step / 1000)  # raises once the other stage has failed
            steps_after_failure.append(step)

    with pytest.raises(ValueError, match="unknown language"):
        SideBySide(Recorder(), StageTimes()).finish({"transcribe": failing, "diarize": long_running})
    assert len(steps_after_failure) < 1000


def test_an_early_stage_runs_while_the_caller_works_and_joins_the_rest():
    progress = Recorder()
    started = threading.Event()
    stages = SideBySide(progress, StageTimes())
    stages.start("faces", lambda report: started.set() or "people")
    assert started.wait(10)  # running before finish() is called
    results = stages.finish({"transcribe": lambda report: "words"})
    assert results == {"faces": "people", "transcribe": "words"}
    assert ("stage", "faces+transcribe") in progress.events


def test_sequential_mode_runs_each_stage_as_its_own_progress_stage():
    order = []
    progress = Recorder()
    stages = SideBySide(progress, StageTimes(), parallel=False)
    stages.start("faces", lambda report: order.append("faces"))
    stages.finish({"transcribe": lambda report: order.append("transcribe")})
    assert order == ["faces", "transcribe"]
    assert [value for kind, value in progress.events if kind == "stage"] == ["faces", "transcribe"]
