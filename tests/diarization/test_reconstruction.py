"""Frame-level reconstruction: speaker count per frame, short pauses inside turns, exclusive turns never overlap."""

from __future__ import annotations

import numpy as np
import pytest

from castscript.diarization.reconstruction import FrameAccumulator, exclusive, fill_pauses, to_turns
from castscript.diarization.segmentation import FRAME_SHIFT


def test_count_keeps_the_most_active_speakers():
    frames = FrameAccumulator(10, 3)
    window = np.zeros((10, 3), dtype=bool)
    window[:, 0] = True
    frames.add_window(0, window)
    frames.add_speech(0, np.ones(10), 1)
    frames.add_speech(0, np.ones(10) * 2, 2)
    assert frames.binary()[:, 2].all() and not frames.binary()[:, :2].any()


def test_a_speaker_the_count_asks_for_keeps_its_speech_when_outranked():
    frames = FrameAccumulator(10, 3)
    window = np.zeros((10, 3), dtype=bool)
    window[:, 0] = True  # one voice per frame
    frames.add_window(0, window)
    frames.add_speech(0, np.ones(10), 1)
    frames.add_speech(0, np.ones(10) * 2, 2)
    assert not frames.binary()[:, 1].any()
    kept = frames.binary(least=2)
    assert kept[:, 1].all() and kept[:, 2].all() and not kept[:, 0].any()
    assert (frames.binary(least=3) == kept).all()  # speaker 0 has no speech to keep


def test_short_pause_stays_in_the_turn_but_exclusive_turns_never_overlap():
    binary = np.zeros((300, 2), dtype=bool)
    binary[0:100, 0] = binary[110:200, 0] = True  # A pauses ~0.17 s while B says a word
    binary[100:110, 1] = True
    activations = binary.astype(np.float32)
    filled = fill_pauses(binary, min_pause=0.5)
    turns = to_turns(filled, ["A", "B"], duration=10.0)
    assert [t.speaker for t in turns] == ["A", "B"]
    assert turns[0].end - turns[0].start == pytest.approx(200 * FRAME_SHIFT, abs=1e-3)
    only_one = to_turns(exclusive(filled, activations), ["A", "B"], duration=10.0)
    assert [t.speaker for t in only_one] == ["A", "B", "A"]
    assert all(a.end <= b.start for a, b in zip(only_one, only_one[1:]))
