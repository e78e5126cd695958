"""The whole job's time left (core.progress.JobEstimate), on a simulated clock."""

from __future__ import annotations

import pytest

from castscript.core.progress import STAGE_COSTS, JobEstimate, side_by_side_fraction, stage_seconds

STEPS = ["probe", "decode", "faces+transcribe+diarize", "translate", "write", "burn", "store"]
MINUTE = 60.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(estimate: JobEstimate, clock: Clock, steps: list[str], slowness: float, samples: int = 10,
        finish: bool = True) -> list[float]:
    """Every step reported with ``samples`` progress updates, each taking ``slowness`` x its expected time; the
    estimates seen along the way (at each step's start, after each update, at the end)."""
    seen = [estimate.remaining()]
    for step in steps:
        estimate.stage(step)
        seen.append(estimate.remaining())
        took = slowness * stage_seconds(step, estimate.duration)
        for i in range(1, samples + 1):
            clock.now += took / samples
            estimate.update(i / samples)
            seen.append(estimate.remaining())
    if finish:
        estimate.finish()
        seen.append(estimate.remaining())
    return seen


def test_whole_job_estimate_covers_every_stage_not_started():
    estimate = JobEstimate(STEPS, MINUTE, clock=Clock())
    expected = sum(stage_seconds(step, MINUTE) for step in STEPS)
    assert estimate.remaining() == pytest.approx(expected)
    assert stage_seconds("faces+transcribe+diarize", MINUTE) == STAGE_COSTS["faces"].seconds(MINUTE)  # the slowest
    without_burn = JobEstimate([s for s in STEPS if s != "burn"], MINUTE, clock=Clock())
    assert estimate.remaining() - without_burn.remaining() == pytest.approx(STAGE_COSTS["burn"].seconds(MINUTE))
    assert JobEstimate(STEPS, 10 * MINUTE, clock=Clock()).remaining() > 5 * estimate.remaining()


def test_estimate_falls_steadily_to_zero_at_the_reference_speed():
    clock = Clock()
    seen = run(JobEstimate(STEPS, MINUTE, clock=clock), clock, STEPS, slowness=1.0)
    assert all(later <= earlier + 1e-9 for earlier, later in zip(seen, seen[1:])), seen
    assert seen[0] > 40 and seen[-1] == 0.0
    total = sum(stage_seconds(step, MINUTE) for step in STEPS)
    assert seen[0] == pytest.approx(total)  # at the reference speed the first estimate is the truth


def test_observed_speed_refines_the_estimate_on_a_slower_machine():
    clock = Clock()
    estimate = JobEstimate(STEPS, MINUTE, clock=clock)
    run(estimate, clock, STEPS[:3], slowness=3.0, finish=False)  # probe, decode, analysis took 3x the reference
    truth = 3.0 * sum(stage_seconds(step, MINUTE) for step in STEPS[3:])
    assert estimate.speed > 2.5
    assert abs(estimate.remaining() - truth) < 0.15 * truth
    first_guess = sum(stage_seconds(step, MINUTE) for step in STEPS[3:])
    assert abs(estimate.remaining() - truth) < abs(first_guess - truth) / 4


def test_cached_stages_are_skipped_and_unplanned_ones_added():
    clock = Clock()
    estimate = JobEstimate(STEPS, MINUTE, clock=clock)
    estimate.stage("probe")
    clock.now += 0.2
    estimate.stage("translate")  # decode and the analysis came from the cache
    rest = sum(stage_seconds(step, MINUTE) for step in STEPS[3:])
    assert estimate.remaining() == pytest.approx(rest)
    clock.now += stage_seconds("translate", MINUTE)
    estimate.stage("identify")  # not planned: added, and counted until it is done
    assert estimate.remaining() == pytest.approx(rest - stage_seconds("translate", MINUTE)
                                                 + stage_seconds("identify", MINUTE), rel=0.01)
    estimate.stage("write")
    assert estimate.steps[estimate.index] == "write"
    assert estimate.remaining() < rest


AUDIO_STEPS = ["probe", "decode", "transcribe+diarize", "write", "store"]


@pytest.mark.parametrize(("steps", "duration", "moving"), [
    (AUDIO_STEPS, 10 * MINUTE, "transcribe"),
    (AUDIO_STEPS, 10 * MINUTE, "diarize"),
    (AUDIO_STEPS, MINUTE, "transcribe"),
    (STEPS, 10 * MINUTE, "faces"),
])
def test_time_left_falls_while_one_stage_side_by_side_advances_and_the_other_waits(steps, duration, moving):
    """ASR and diarization side by side, one of them starved of CPU: the other one's progress alone moves the time
    left down at every report (reported as their mean fraction, it rose for ~10 s on 10 min of audio)."""
    clock = Clock()
    estimate = JobEstimate(steps, duration, clock=clock)
    analysis = next(step for step in steps if "+" in step)
    for step in steps[:steps.index(analysis)]:
        estimate.stage(step)
        clock.now += stage_seconds(step, duration)
        estimate.update(1.0)
    estimate.stage(analysis)
    fractions = dict.fromkeys(analysis.split("+"), 0.0)
    seen = [estimate.remaining()]
    for i in range(1, 21):  # the moving stage at its reference pace, the others still
        clock.now += stage_seconds(moving, duration) / 20
        fractions[moving] = i / 20
        estimate.update(side_by_side_fraction(fractions, duration))
        seen.append(estimate.remaining())
    assert all(later < earlier for earlier, later in zip(seen, seen[1:])), seen
    waiting = sum(stage_seconds(part, duration) for part in fractions if part != moving)
    after = sum(stage_seconds(step, duration) for step in steps[steps.index(analysis) + 1:])
    assert seen[-1] == pytest.approx(waiting + after, rel=0.2)  # left: the waiting stages' work, then the rest


def test_side_by_side_fraction_weighs_each_stage_by_its_expected_cost():
    transcribe, diarize = STAGE_COSTS["transcribe"].seconds(600.0), STAGE_COSTS["diarize"].seconds(600.0)
    assert side_by_side_fraction({"transcribe": 1.0, "diarize": 0.0}, 600.0) == pytest.approx(
        transcribe / (transcribe + diarize))
    assert side_by_side_fraction({"transcribe": 0.5, "diarize": 1.0}, 600.0) == pytest.approx(
        (0.5 * transcribe + diarize) / (transcribe + diarize))
    assert side_by_side_fraction({"transcribe": 1.0, "diarize": 1.0}, 600.0) == pytest.approx(1.0)
    assert side_by_side_fraction({"a": 1.0, "b": 0.0}, 600.0) == 0.5  # no declared cost: the mean
    assert side_by_side_fraction({"transcribe": 1.0, "diarize": 0.0}, None) == 0.5
