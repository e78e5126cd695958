"""Pieces: a local speaker's runs of speech, short ones joined to a neighbour, long ones cut into equal parts."""

from __future__ import annotations

import numpy as np

from castscript.diarization.pieces import PieceEmbedder, PieceOptions, cut
from castscript.diarization.segmentation import FRAME_SHIFT


def frames(seconds: float) -> int:
    return round(seconds / FRAME_SHIFT)


def test_a_long_piece_is_cut_into_the_fewest_equal_parts_within_the_limit():
    parts = cut(100, 100 + frames(12.0), 5.0)
    assert len(parts) == 3
    assert parts[0][0] == 100 and parts[-1][1] == 100 + frames(12.0)
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    assert all(abs((end - start) * FRAME_SHIFT - 4.0) < 2 * FRAME_SHIFT for start, end in parts)


def test_a_piece_within_the_limit_stays_whole():
    assert cut(10, 10 + frames(4.9), 5.0) == [(10, 10 + frames(4.9))]


def test_spans_join_a_short_run_to_its_neighbour_then_cut_long_ones():
    mask = np.zeros(frames(10.0), dtype=bool)
    mask[frames(0.5) : frames(7.5)] = True  # 7 s of speech: two parts of 3.5 s
    mask[frames(8.5) : frames(8.7)] = True  # 0.2 s, too short alone: joins the run before it
    spans = PieceEmbedder(None, PieceOptions())._spans(mask)
    assert len(spans) == 2
    assert spans[0][0] == frames(0.5) and spans[-1][1] == frames(8.7)
    assert all((end - start) * FRAME_SHIFT <= 5.0 for start, end in spans)
