"""Segmentation windows: they cover the whole audio and start on the embeddings' 10 ms fbank grid."""

from __future__ import annotations

import pytest

from castscript.diarization.segmentation import WINDOW_SAMPLES, window_starts


@pytest.mark.parametrize("num_samples", [16_000 * 60 + 37, 16_000 * 61 + 159, 16_000 * 600 + 1, 16_000 * 33])
def test_windows_cover_the_audio_on_the_fbank_grid(num_samples):
    starts = window_starts(num_samples, 80_000)
    assert starts[0] == 0 and all(s % 160 == 0 for s in starts)
    assert all(0 < b - a < 1.5 * 80_000 for a, b in zip(starts, starts[1:]))  # the last step may be longer
    assert 0 <= starts[-1] + WINDOW_SAMPLES - num_samples < 160


def test_short_audio_is_one_window():
    assert window_starts(16_000 * 7, 80_000) == [0]
