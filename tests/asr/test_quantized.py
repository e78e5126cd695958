"""The int8 copy of the bundled Whisper model: the same transcripts as CTranslate2's own quantisation at load, at a
fraction of the load's CPU time, written once and found again by the source's sha256."""

from __future__ import annotations

import time

import pytest
from faster_whisper import WhisperModel

from castscript import models
from castscript.asr import load_whisper
from castscript.asr.quantized import int8_copy, read_model
from castscript.media import decode_audio

PINNED = next(f.sha256 for f in models.REGISTRY["faster-whisper-base"].files if f.name == "model.bin")


@pytest.fixture(scope="module")
def source():
    return models.resolve("faster-whisper-base")


@pytest.fixture(scope="module")
def copy(source, tmp_path_factory):
    return int8_copy(source, tmp_path_factory.mktemp("int8"))


def _transcript(model: WhisperModel, audio) -> list:
    segments, info = model.transcribe(audio, beam_size=5, word_timestamps=True, vad_filter=True)
    return [info.language, info.language_probability] + [
        (s.start, s.end, s.text, s.avg_logprob, [(w.start, w.end, w.word, w.probability) for w in s.words])
        for s in segments
    ]


def test_copy_is_int8_keyed_by_the_source_sha256_and_made_once(source, copy):
    assert copy.name == PINNED and (copy / "tokenizer.json").is_file() and (copy / "config.json").is_file()
    weights = {v.name: v.dtype for v in read_model(copy / "model.bin").variables}
    assert weights["decoder/layer_0/attention/linear_0/weight"] == "int8"
    assert weights["decoder/layer_0/attention/linear_0/weight_scale"] == "float32"
    assert weights["decoder/embeddings/weight"] == "int8"
    assert weights["encoder/conv1/weight"] == "float16"  # CTranslate2 keeps Whisper's convolutions float
    assert (copy / "model.bin").stat().st_size < 0.55 * (source / "model.bin").stat().st_size
    written = (copy / "model.bin").stat().st_mtime_ns
    assert int8_copy(source, copy.parent) == copy
    assert (copy / "model.bin").stat().st_mtime_ns == written


def test_copy_transcribes_exactly_like_the_float_model_quantised_at_load(media, source, copy):
    """Text, segment and word times, word probabilities, log-probabilities and language, to the last bit."""
    loads = []
    for folder in (source, copy):
        started = time.process_time()
        loads.append((WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=2),
                      time.process_time() - started))
    (reference, reference_load), (quantised, copy_load) = loads
    audio = decode_audio(media / "faster-whisper/jfk.flac")  # also checked by hand: sample.wav, trn01, multilingual.mp3
    assert _transcript(quantised, audio) == _transcript(reference, audio)
    assert copy_load < reference_load  # typically 0.1-0.2 s against 0.8-1.3 s of CPU


def test_load_whisper_writes_and_uses_the_copy_in_the_model_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("CASTSCRIPT_CACHE", str(tmp_path))
    load_whisper.cache_clear()
    try:
        whisper = load_whisper("base", "cpu", "int8", 1)
    finally:
        load_whisper.cache_clear()
    assert "en" in whisper.supported_languages
    assert (tmp_path / "models" / "whisper-int8" / PINNED / "model.bin").is_file()
