"""From per-window local speakers assigned to global speakers, to frame-level activity and speaker turns."""

from __future__ import annotations

import numpy as np

from ..document import SpeakerTurn
from .pieces import runs
from .segmentation import FRAME_SHIFT, RECEPTIVE_FIELD_SAMPLES, SAMPLE_RATE

FRAME_MIDDLE = RECEPTIVE_FIELD_SAMPLES / SAMPLE_RATE / 2


class FrameAccumulator:
    """Sums over overlapping windows, on the global frame grid: speaker count and each speaker's activity."""

    def __init__(self, num_frames: int, num_speakers: int):
        self.count_sum = np.zeros(num_frames, dtype=np.float32)
        self.coverage = np.zeros(num_frames, dtype=np.float32)
        self.activations = np.zeros((num_frames, num_speakers), dtype=np.float32)

    def add_window(self, first_frame: int, activity: np.ndarray) -> None:
        """Count the active local speakers of one window (``activity`` [frames, local])."""
        span = slice(first_frame, first_frame + len(activity))
        self.count_sum[span] += activity.sum(axis=1)
        self.coverage[span] += 1

    def add_speech(self, first_frame: int, active: np.ndarray, speaker: int) -> None:
        """One piece of ``speaker``'s speech from one window: ``active`` per frame from ``first_frame``."""
        self.activations[first_frame : first_frame + len(active), speaker] += active

    def binary(self, least: int = 0) -> np.ndarray:
        """[frames, speakers] bool: in each frame, the ``count`` most active speakers (count averaged over windows).
        While fewer than ``least`` speakers have a frame, the most active of those left out keeps all its speech."""
        count = np.rint(self.count_sum / np.maximum(self.coverage, 1)).astype(int)
        count = np.minimum(count, self.activations.shape[1])
        ranks = np.argsort(np.argsort(-self.activations, axis=1, kind="stable"), axis=1)
        out = (ranks < count[:, None]) & (self.activations > 0)
        unheard = [s for s in np.argsort(-self.activations.sum(axis=0), kind="stable") if not out[:, s].any()]
        for speaker in unheard[: max(0, least - (out.shape[1] - len(unheard)))]:
            out[:, speaker] = self.activations[:, speaker] > 0
        return out


def exclusive(binary: np.ndarray, activations: np.ndarray) -> np.ndarray:
    """One speaker per frame: where several are active, the one with the strongest activation."""
    out = np.zeros_like(binary)
    speaking = binary.any(axis=1)
    strongest = np.where(binary, activations, -np.inf).argmax(axis=1)
    out[np.flatnonzero(speaking), strongest[speaking]] = True
    return out


def fill_pauses(binary: np.ndarray, min_pause: float) -> np.ndarray:
    """Each speaker's pauses shorter than ``min_pause`` seconds filled in (they stay inside the turn)."""
    out = binary.copy()
    for column in range(binary.shape[1]):
        for onset, offset in runs(binary[:, column], round(min_pause / FRAME_SHIFT)):
            out[onset:offset, column] = True
    return out


def to_turns(binary: np.ndarray, labels: list[str], duration: float) -> list[SpeakerTurn]:
    """Speaker turns (sorted by start) from frame activity; frame times are the frames' middles."""
    turns = []
    for column, label in enumerate(labels):
        for onset, offset in runs(binary[:, column], 0):
            start = min(duration, onset * FRAME_SHIFT + FRAME_MIDDLE)
            end = min(duration, offset * FRAME_SHIFT + FRAME_MIDDLE)
            if end > start:
                turns.append(SpeakerTurn(round(start, 3), round(end, 3), label))
    return sorted(turns, key=lambda t: (t.start, t.end, t.speaker))
