"""pyannote segmentation-3.0 (ONNX): which of up to 3 local speakers is active in each ~17 ms frame of a 10 s window."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Iterator

import numpy as np

from ..media import SAMPLE_RATE
from ..media.audio import is_digital_silence
from .embedding import FRAME_SHIFT_SAMPLES as FBANK_SHIFT_SAMPLES
from .onnx import model_file, session

MODEL_NAME = "pyannote-segmentation-3.0"
WINDOW_SAMPLES = 160_000
FRAME_SHIFT_SAMPLES = 270
RECEPTIVE_FIELD_SAMPLES = 991
LOCAL_SPEAKERS = 3
FRAME_SHIFT = FRAME_SHIFT_SAMPLES / SAMPLE_RATE
FRAMES_PER_WINDOW = (WINDOW_SAMPLES - RECEPTIVE_FIELD_SAMPLES) // FRAME_SHIFT_SAMPLES + 1
WINDOW_SECONDS = WINDOW_SAMPLES / SAMPLE_RATE


def powerset_to_multilabel(max_speakers: int = LOCAL_SPEAKERS, max_per_frame: int = 2) -> np.ndarray:
    """[classes, speakers] 0/1 matrix: class 0 is silence, then every set of 1..max_per_frame speakers."""
    sets = [()] + [c for size in range(1, max_per_frame + 1) for c in combinations(range(max_speakers), size)]
    mapping = np.zeros((len(sets), max_speakers), dtype=bool)
    for index, speakers in enumerate(sets):
        mapping[index, list(speakers)] = True
    return mapping


@dataclass
class Window:
    """One analysed window: where it starts and each local speaker's activity per frame."""

    start_sample: int
    activity: np.ndarray
    """[frames, 3] bool."""

    @property
    def first_frame(self) -> int:
        """Index of the window's first frame on the global frame grid."""
        return round(self.start_sample / FRAME_SHIFT_SAMPLES)


def window_starts(num_samples: int, step_samples: int) -> list[int]:
    """Window start samples covering the whole audio (the last window ends at or after the audio's end, by less than
    10 ms). Every start is on the 10 ms grid of the speaker embeddings' fbank, so the windows share the recording's."""
    if num_samples <= WINDOW_SAMPLES:
        return [0]
    step_samples = max(FBANK_SHIFT_SAMPLES, step_samples // FBANK_SHIFT_SAMPLES * FBANK_SHIFT_SAMPLES)
    last = -(-(num_samples - WINDOW_SAMPLES) // FBANK_SHIFT_SAMPLES) * FBANK_SHIFT_SAMPLES
    starts = list(range(0, last, step_samples))
    if len(starts) > 1 and last - starts[-1] < step_samples // 2:
        starts.pop()
    return starts + [last]


class Segmenter:
    """Runs segmentation-3.0 over sliding 10 s windows, a batch at a time."""

    def __init__(self, model_dir: str | Path | None = None, threads: int = 0, batch_size: int = 2, device: str = "cpu"):
        self._session = session(model_file(MODEL_NAME, model_dir), threads, device)
        self._mapping = powerset_to_multilabel()
        self.batch_size = batch_size

    def windows(self, audio: np.ndarray, step_seconds: float) -> Iterator[Window]:
        """Every window of ``audio``, in order, computed batch by batch (memory stays bounded)."""
        starts = window_starts(len(audio), int(round(step_seconds * SAMPLE_RATE)))
        for first in range(0, len(starts), self.batch_size):
            batch_starts = starts[first : first + self.batch_size]
            chunks = np.stack([_padded(audio[s : s + WINDOW_SAMPLES]) for s in batch_starts])
            for start, frame_classes in zip(batch_starts, self._classes(chunks)):
                yield Window(start, self._mapping[frame_classes])

    def _classes(self, chunks: np.ndarray) -> np.ndarray:
        """[windows, frames] powerset class per frame; digitally silent windows are class 0 without running the model."""
        classes = np.zeros((len(chunks), FRAMES_PER_WINDOW), dtype=np.int64)
        loud = np.array([not is_digital_silence(chunk) for chunk in chunks])
        if loud.any():
            classes[loud] = self._session.run(None, {"x": chunks[loud][:, np.newaxis, :]})[0].argmax(axis=-1)
        return classes

    def window_count(self, num_samples: int, step_seconds: float) -> int:
        return len(window_starts(num_samples, int(round(step_seconds * SAMPLE_RATE))))


def _padded(chunk: np.ndarray) -> np.ndarray:
    if len(chunk) == WINDOW_SAMPLES:
        return chunk.astype(np.float32, copy=False)
    out = np.zeros(WINDOW_SAMPLES, dtype=np.float32)
    out[: len(chunk)] = chunk
    return out
