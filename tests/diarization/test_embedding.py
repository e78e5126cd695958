"""CAM++ embeddings: unit length, 192-d, closer for the same voice than for different voices; the recording's fbank
computed once and batched model runs give what each window and clip would alone."""

from __future__ import annotations

import numpy as np
import pytest

from castscript import models
from castscript.diarization import SpeakerEmbedder
from castscript.diarization.embedding import INT8_RANGES, MODEL_NAME, RecordingFbank, fbank
from castscript.diarization.onnx import int8_model, model_file
from castscript.diarization.segmentation import WINDOW_SAMPLES, window_starts
from castscript.synthetic import ANNA, BEN, speak


@pytest.fixture(scope="module")
def embedder() -> SpeakerEmbedder:
    return SpeakerEmbedder(threads=2)


def test_same_voice_is_closer_than_other_voice(embedder):
    anna1 = embedder.embed(speak(ANNA, "The weather today is sunny with a light breeze from the west."))
    anna2 = embedder.embed(speak(ANNA, "Please remember to bring the documents to the meeting tomorrow."))
    ben = embedder.embed(speak(BEN, "Please remember to bring the documents to the meeting tomorrow."))
    assert anna1.shape == (192,) and anna1.dtype == np.float32
    assert np.linalg.norm(anna1) == pytest.approx(1.0, abs=1e-5)
    assert float(anna1 @ anna2) > float(anna2 @ ben) + 0.2


def test_tiny_clip_still_embeds(embedder):
    vector = embedder.embed(np.random.default_rng(0).normal(0, 0.1, 800).astype(np.float32))
    assert np.isfinite(vector).all() and np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_recording_fbank_gives_each_window_the_frames_of_its_own_audio(sample_audio):
    """The fbank computed once for the whole recording, sliced per 10 s window, equals each window's own fbank."""
    audio = sample_audio[: 16_000 * 23]
    recording = RecordingFbank(audio)
    for start in window_starts(len(audio), 80_000):
        clip = recording.clip(start, WINDOW_SAMPLES)
        own = np.zeros(WINDOW_SAMPLES, np.float32)
        own[: len(audio[start : start + WINDOW_SAMPLES])] = audio[start : start + WINDOW_SAMPLES]
        assert clip.shape == (998, 80)
        np.testing.assert_array_equal(clip, fbank(own))
    with pytest.raises(ValueError, match="frame grid"):
        recording.clip(0, WINDOW_SAMPLES)


def test_batched_embeddings_equal_one_at_a_time(embedder, sample_audio):
    """Clips of equal length share one model run; each embedding stays the one computed alone."""
    features = fbank(sample_audio[: 16_000 * 12])
    spans = [(0, 300), (300, 600), (50, 170), (600, 900), (900, 905), (5, 125)]
    clips = [features[start:end] for start, end in spans]
    batched = embedder.embed_many(clips)
    alone = np.stack([embedder.embed_features(c) for c in clips])
    assert batched.shape == (6, 192)
    assert (batched * alone).sum(axis=1).min() > 0.99999


def test_int8_model_is_built_once_and_embeds_like_the_float_model(embedder, sample_audio):
    """CAM++ with int8 Conv layers: a quarter of the float model's size, built into the model cache once, and its
    embeddings of real speech within cosine 0.97 of the float model's."""
    int8 = SpeakerEmbedder(threads=2, int8=True)
    float_path = model_file(MODEL_NAME, None)
    path = int8_model(float_path, INT8_RANGES)
    assert path != float_path and path.parent == models.cache_dir() / "int8"
    assert path.stat().st_size < float_path.stat().st_size / 3
    assert int8_model(float_path, INT8_RANGES) == path
    clips = [fbank(sample_audio[s : s + 16_000 * 3]) for s in range(0, 16_000 * 27, 16_000 * 3)]
    assert (int8.embed_many(clips) * embedder.embed_many(clips)).sum(axis=1).min() > 0.97


def test_int8_falls_back_to_the_float_model_without_ranges(tmp_path, caplog):
    broken = tmp_path / "ranges.json"
    broken.write_text("{}")
    float_path = model_file(MODEL_NAME, None)
    assert int8_model(float_path, broken) == float_path
    assert "could not build its int8 version" in caplog.text
