"""The diarization engine on real and synthetic conversations: speaker counts, DER bounds, count hints."""

from __future__ import annotations

import numpy as np
import pytest

from castscript.diarization import DiarizationOptions, diarize
from castscript.diarization.engine import _add_voices
from castscript.media import decode_audio

from .conftest import der


def test_sample_finds_two_speakers_within_der_bound(sample_result, media):
    assert sample_result.labels == ["SPEAKER_00", "SPEAKER_01"]
    assert der(media / "pyannote-sample/sample.rttm", sample_result.turns, "sample") <= 0.15


def test_sample_turns_overlap_but_exclusive_turns_do_not(sample_result):
    def overlapping(turns):
        return any(b.start < a.end for a, b in zip(turns, turns[1:]))

    assert overlapping(sample_result.turns)
    assert not overlapping(sample_result.exclusive)
    first = {}
    for turn in sample_result.turns:
        first.setdefault(turn.speaker, turn.start)
    assert list(first) == sample_result.labels


def test_speaker_embeddings_are_unit_192d_and_distinct(sample_result):
    vectors = np.array(list(sample_result.embeddings.values()))
    assert vectors.shape == (2, 192)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert float(vectors[0] @ vectors[1]) < 0.8


def test_three_synthetic_voices(three_voices):
    audio, rttm = three_voices
    result = diarize(audio, DiarizationOptions(threads=2))
    assert len(result.labels) == 3
    assert der(rttm, result.turns, "three") <= 0.10


@pytest.mark.parametrize("hint, expected", [
    ({"num_speakers": 1}, 1), ({"num_speakers": 3}, 3), ({"max_speakers": 1}, 1), ({"min_speakers": 4}, 4),
])
def test_count_hints_are_honoured_exactly(sample_audio, hint, expected):
    assert len(diarize(sample_audio, DiarizationOptions(threads=2, **hint)).labels) == expected


def test_silence_has_no_speakers():
    result = diarize(np.zeros(16000 * 12, dtype=np.float32))
    assert result.labels == [] and result.turns == [] and result.exclusive == []


def test_one_speaker(media):
    result = diarize(decode_audio(media / "faster-whisper/jfk.flac"))
    assert result.labels == ["SPEAKER_00"]
    speech = sum(t.end - t.start for t in result.turns)
    assert 7.0 < speech < 11.0


def test_digitally_silent_windows_skip_the_model(sample_audio):
    """Hours of silence cost no model time: only the windows with sound are segmented."""
    from castscript.diarization.segmentation import Segmenter

    segmenter = Segmenter()
    calls = []
    model = segmenter._session

    class Counting:
        def run(self, outputs, feeds):
            calls.append(len(feeds["x"]))
            return model.run(outputs, feeds)

    segmenter._session = Counting()
    audio = np.concatenate([np.zeros(16_000 * 120, np.float32), sample_audio[: 16_000 * 20]])
    windows = list(segmenter.windows(audio, 5.0))
    assert sum(calls) < 8 < len(windows)  # only windows reaching into the last 20 s
    assert not any(w.activity.any() for w in windows[:20]) and any(w.activity.any() for w in windows[-3:])


def test_extra_voices_are_seeded_by_the_least_similar_pieces():
    centroids = np.array([[1.0, 0.0, 0.0]])
    pieces = np.array([[0.9, 0.436, 0.0], [0.0, 0.0, 1.0], [0.6, 0.8, 0.0]])
    seeded = _add_voices(centroids, pieces, 3)
    assert np.allclose(seeded[1], [0, 0, 1]) and np.allclose(seeded[2], [0.6, 0.8, 0])
    assert len(_add_voices(centroids, pieces, 1)) == 1
