"""The pipeline runs ASR and diarization side by side, gives the same result as one after the other, and a
re-run with only new outputs or translation targets reuses both without decoding the audio again."""

from __future__ import annotations

from dataclasses import replace

import pytest

from castscript.asr import AsrOptions
from castscript.cache import StageCache
from castscript.pipeline import PipelineOptions, run_pipeline


class StageNames:
    def __init__(self):
        self.names: list[str] = []

    def stage(self, name):
        self.names.append(name)

    def update(self, fraction):
        pass


@pytest.fixture(scope="module")
def side_by_side(demo_dialogue, tmp_path_factory):
    wav, _, _ = demo_dialogue
    progress = StageNames()
    cache = StageCache(tmp_path_factory.mktemp("cache"))
    result = run_pipeline(wav, PipelineOptions(formats=("json", "srt")), tmp_path_factory.mktemp("out"), progress, cache)
    return result, progress.names, cache


def test_asr_and_diarization_run_side_by_side(side_by_side):
    result, stages, _ = side_by_side
    assert "transcribe+diarize" in stages
    assert {"decode", "transcribe", "diarize"} <= set(result.stage_seconds)
    assert len(result.document.speakers) == 2
    assert all(segment.speaker for segment in result.document.segments)


def test_side_by_side_gives_the_same_result_as_one_after_the_other(side_by_side, demo_dialogue, tmp_path):
    wav, _, _ = demo_dialogue
    parallel = side_by_side[0].document
    progress = StageNames()
    options = PipelineOptions(formats=("json",), use_cache=False, parallel=False)
    sequential = run_pipeline(wav, options, tmp_path, progress).document
    assert progress.names[:4] == ["probe", "decode", "transcribe", "diarize"]
    assert [(s.text, s.speaker) for s in sequential.segments] == [(s.text, s.speaker) for s in parallel.segments]
    assert sequential.turns == parallel.turns


def test_rerun_with_new_outputs_and_thread_count_reuses_both_stages_without_decoding(side_by_side, demo_dialogue, tmp_path):
    wav, _, _ = demo_dialogue
    first, _, cache = side_by_side
    options = PipelineOptions(formats=("vtt", "txt"), threads=1, asr=AsrOptions(cpu_threads=1))
    again = run_pipeline(wav, options, tmp_path, cache=StageCache(cache.folder.parent))
    assert set(again.cached_stages) == {"transcribe", "diarize"}
    assert "decode" not in again.stage_seconds  # nothing needed the samples
    assert [s.text for s in again.document.segments] == [s.text for s in first.document.segments]
    assert sorted(p.suffix for p in again.outputs) == [".txt", ".vtt"]


def test_only_the_missing_stage_runs_when_the_other_is_cached(side_by_side, demo_dialogue, tmp_path):
    wav, _, _ = demo_dialogue
    cache = side_by_side[2]
    options = PipelineOptions(formats=("json",), speakers=replace(PipelineOptions().speakers, num_speakers=3))
    progress = StageNames()
    again = run_pipeline(wav, options, tmp_path, progress, StageCache(cache.folder.parent))
    assert again.cached_stages == ["transcribe"]
    assert "diarize" in progress.names and "transcribe+diarize" not in progress.names
    assert len(again.document.speakers) == 3  # the count hint is honoured exactly
