"""Every stage has the one shape: a name, typed parameters as its cache key (runtime never in it), run/apply, and a
result that survives the stage cache (to_dict -> JSON -> decode)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from castscript.cache import StageCache
from castscript.core.options import SpeakerOptions
from castscript.document import Document, MediaInfo, Segment, Word
from castscript.pipeline import STAGES, PipelineOptions
from castscript.stages import AudioSource, Runtime, StageContext, Transcript, cache_key
from castscript.stages.burn import Burned
from castscript.stages.identify import Identities
from castscript.translation.stage import Translations


def context(options: PipelineOptions, runtime: dict[str, Runtime] | None = None) -> StageContext:
    media = MediaInfo("talk.wav", 3.0)
    return StageContext(Path("talk.wav"), media, "f" * 40, AudioSource(Path("talk.wav"), 3.0), options,
                        StageCache(enabled=False), Path("."), Document(media), runtime or {})


@pytest.mark.parametrize("stage", STAGES, ids=[stage.name for stage in STAGES])
def test_each_stage_has_the_shape(stage):
    assert stage.name and stage.version and isinstance(stage.cached, bool)
    for method in ("params", "run", "apply", "decode"):
        assert callable(getattr(stage, method)), method


@pytest.mark.parametrize("stage", [s for s in STAGES if s.cached], ids=[s.name for s in STAGES if s.cached])
def test_cache_key_is_made_of_parameters_not_runtime(stage):
    options = PipelineOptions()
    slow = context(options, {stage.name: Runtime(threads=1, device="cpu")})
    fast = context(replace(options, threads=8), {stage.name: Runtime(threads=8, device="cuda")})
    assert cache_key(stage, slow) == cache_key(stage, fast)


def test_parameters_change_the_key():
    stage = next(s for s in STAGES if s.name == "diarize")
    three = context(PipelineOptions(speakers=SpeakerOptions(num_speakers=3)))
    assert cache_key(stage, context(PipelineOptions())) != cache_key(stage, three)
    spectral = context(PipelineOptions(speakers=SpeakerOptions(clustering="spectral")))
    assert cache_key(stage, context(PipelineOptions())) != cache_key(stage, spectral)
    high = context(PipelineOptions(speakers=SpeakerOptions(accuracy="high")))
    assert cache_key(stage, context(PipelineOptions())) != cache_key(stage, high)
    transcribe = next(s for s in STAGES if s.name == "transcribe")
    english = context(replace(PipelineOptions(), asr=replace(PipelineOptions().asr, language="en")))
    assert cache_key(transcribe, context(PipelineOptions())) != cache_key(transcribe, english)


RESULTS = [
    (Transcript, Transcript("en", 0.98, [Segment(0.0, 1.0, "Hi there", [Word(0.0, 0.4, "Hi"), Word(0.5, 1.0, "there")])])),
    (Identities, Identities([{"label": "SPEAKER_00", "name": "Anna", "score": 0.81}])),
    (Translations, Translations({"pt": ["Olá"]}, {"de": "No model"}, "Set CASTSCRIPT_MODELS")),
    (Burned, Burned([Path("talk.castscript.mp4"), Path("talk.castscript.ass")])),
]


@pytest.mark.parametrize("kind, result", RESULTS, ids=[kind.__name__ for kind, _ in RESULTS])
def test_results_round_trip_through_json(kind, result):
    assert kind.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_a_failed_translation_names_every_missing_language():
    error = Translations({"pt": ["Olá"]}, {"de": "no de model", "ja": "no ja model"}).error()
    assert error.exit_code == 8 and "2 languages" in error.message and "de:" in error.message and "ja:" in error.message
    assert Translations({"pt": ["Olá"]}).error() is None


def test_clustering_flags_reach_the_diarizer(media, monkeypatch):
    """``--clustering spectral --speaker-accuracy high`` -> SpeakerOptions -> the diarize stage's parameters ->
    DiarizationOptions (method, and 2.5 s between windows)."""
    from castscript.cli import build_parser
    from castscript.cli.run import options_from_args
    from castscript.stages import diarize as diarize_stage

    seen = []

    def spy(audio, settings, progress=None):
        seen.append((settings.clustering.method, settings.step))
        return real(audio, settings, progress)

    real = diarize_stage.diarize
    monkeypatch.setattr(diarize_stage, "diarize", spy)
    jfk = media / "faster-whisper/jfk.flac"
    options = options_from_args(build_parser().parse_args(["run", str(jfk), "--clustering", "spectral", "--speaker-accuracy", "high"]))
    stage = next(s for s in STAGES if s.name == "diarize")
    run = context(options, {"diarize": Runtime(threads=2)})
    run.audio = AudioSource(jfk, 11.0)
    result = stage.run(run, lambda fraction: None)
    assert seen == [("spectral", 2.5)] and result.labels == ["SPEAKER_00"]
