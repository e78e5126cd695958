"""CAM++ speaker embeddings (3D-Speaker, ONNX) from Kaldi-style 80-bin log-mel fbank."""

from __future__ import annotations

from pathlib import Path

import kaldi_native_fbank as knf
import numpy as np

from ..core.vectors import l2_normalise
from ..media import SAMPLE_RATE
from .onnx import int8_model, model_file, session, uses_gpu

MODEL_NAME = "campplus-zh-en-common"
EMBEDDING_DIM = 192
FRAME_SHIFT = 0.010
"""Seconds between fbank frames."""
FRAME_LENGTH = 0.025
MIN_FRAMES = 10
"""CAM++ needs a few frames of context; shorter input is padded by repetition."""
INT8_RANGES = Path(__file__).with_name("campplus_int8_ranges.json")
"""CAM++'s activation ranges on the speaker dev set's tuning half (benchmarks/quantize_campplus.py writes them)."""
FRAME_SHIFT_SAMPLES = round(FRAME_SHIFT * SAMPLE_RATE)
FRAME_LENGTH_SAMPLES = round(FRAME_LENGTH * SAMPLE_RATE)
FBANK_BINS = 80
BATCH_SIZE = 8
"""Equal-length clips per CAM++ run: the int8 model takes 20 % less CPU per 3 s clip than one at a time, 55 % less
per 0.4 s clip; larger batches gain little."""


def _extractor() -> knf.OnlineFbank:
    options = knf.FbankOptions()
    options.frame_opts.samp_freq = SAMPLE_RATE
    options.frame_opts.dither = 0.0
    options.mel_opts.num_bins = FBANK_BINS
    return knf.OnlineFbank(options)


def frame_count(num_samples: int) -> int:
    """Fbank frames of ``num_samples`` samples (every frame whole, as Kaldi's snip_edges)."""
    return max(0, (num_samples - FRAME_LENGTH_SAMPLES) // FRAME_SHIFT_SAMPLES + 1)


def fbank(audio: np.ndarray) -> np.ndarray:
    """[frames, 80] log-mel fbank of 16 kHz mono float32 audio (25 ms windows every 10 ms, no dither)."""
    extractor = _extractor()
    extractor.accept_waveform(SAMPLE_RATE, np.ascontiguousarray(audio, dtype=np.float32))
    extractor.input_finished()
    return _frames(extractor, 0, extractor.num_frames_ready)


def _frames(extractor: knf.OnlineFbank, first: int, end: int) -> np.ndarray:
    if end <= first:
        return np.zeros((0, FBANK_BINS), dtype=np.float32)
    return np.stack([extractor.get_frame(i) for i in range(first, end)]).astype(np.float32, copy=False)


class RecordingFbank:
    """The fbank of a whole recording, computed once, as clips moving forward along it ask for their frames.

    Kaldi's frames see only their own 25 ms, so a clip starting on the 10 ms frame grid gets exactly the frames
    ``fbank`` gives for the clip alone. Frames before the latest clip's start are dropped (memory stays bounded).
    """

    def __init__(self, audio: np.ndarray):
        self._audio = audio
        self._extractor = _extractor()
        self._fed = 0
        self._first = 0
        """Index of ``self._kept[0]`` in the recording's frames."""
        self._kept = np.zeros((0, FBANK_BINS), dtype=np.float32)

    def clip(self, start_sample: int, num_samples: int) -> np.ndarray:
        """Frames of ``audio[start_sample : start_sample + num_samples]``, read as zeros past the audio's end.
        ``start_sample`` must be a multiple of 160 and never move backwards."""
        if start_sample % FRAME_SHIFT_SAMPLES or start_sample < self._first * FRAME_SHIFT_SAMPLES:
            raise ValueError(f"clips must start on the fbank frame grid, moving forward (got sample {start_sample})")
        first = start_sample // FRAME_SHIFT_SAMPLES
        end = first + frame_count(num_samples)
        self._feed(start_sample + num_samples)
        ready = self._extractor.num_frames_ready
        known = self._first + len(self._kept)
        new = _frames(self._extractor, known, ready)
        self._extractor.pop(ready - known)
        self._kept = np.concatenate([self._kept[max(0, first - self._first):], new])
        self._first = max(first, self._first)
        return self._kept[: end - first]

    def _feed(self, until_sample: int) -> None:
        if until_sample <= self._fed:
            return
        chunk = self._audio[self._fed : until_sample]
        if len(chunk) < until_sample - self._fed:
            chunk = np.concatenate([chunk, np.zeros(until_sample - self._fed - len(chunk), dtype=np.float32)])
        self._extractor.accept_waveform(SAMPLE_RATE, np.ascontiguousarray(chunk, dtype=np.float32))
        self._fed = until_sample


class SpeakerEmbedder:
    """L2-normalised 192-d CAM++ embeddings of speech, from audio clips or from fbank frames.

    ``int8``: on the CPU, run CAM++ with int8 Conv layers (2.3x faster; cosine to the float embedding about 0.99).
    """

    def __init__(self, model_dir: str | Path | None = None, threads: int = 0, device: str = "cpu", int8: bool = False):
        path = model_file(MODEL_NAME, model_dir)
        if int8 and not uses_gpu(device):
            path = int8_model(path, INT8_RANGES)
        self._session = session(path, threads, device)

    def embed(self, audio: np.ndarray) -> np.ndarray:
        """Embedding of one clip of 16 kHz mono float32 audio (at least 25 ms long)."""
        return self.embed_features(fbank(audio))

    def embed_features(self, features: np.ndarray) -> np.ndarray:
        """Embedding of [frames, 80] fbank frames (mean-normalised here, as CAM++ was trained)."""
        return self.embed_many([features])[0]

    def embed_many(self, clips: list[np.ndarray]) -> np.ndarray:
        """[clips, 192] embeddings of several clips' fbank frames; clips of equal length run as one batch (no
        padding, so each embedding is the one ``embed_features`` gives)."""
        prepared = [_prepared(c) for c in clips]
        out = np.zeros((len(clips), EMBEDDING_DIM), dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for row, clip in enumerate(prepared):
            by_length.setdefault(len(clip), []).append(row)
        for rows in by_length.values():
            for first in range(0, len(rows), BATCH_SIZE):
                batch = rows[first : first + BATCH_SIZE]
                out[batch] = self._session.run(None, {"x": np.stack([prepared[r] for r in batch])})[0]
        return l2_normalise(out)


def _prepared(features: np.ndarray) -> np.ndarray:
    """Mean-normalised float32 frames, padded by repetition to CAM++'s shortest input."""
    if len(features) == 0:
        raise ValueError("cannot embed an empty clip: need at least 25 ms of audio")
    if len(features) < MIN_FRAMES:
        features = np.resize(features, (MIN_FRAMES, features.shape[1]))
    return (features - features.mean(axis=0, keepdims=True)).astype(np.float32, copy=False)
