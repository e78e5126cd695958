"""Active speaker detection: Light-ASD (ONNX) scores every frame of a face track for "this face is speaking", from
112x112 grey face crops at 25 fps and the MFCC of the audio at the same time (the model folder's README gives the exact
preprocessing, followed here).

The video is decoded a second time after tracking, every frame resampled to 25 fps; each track's boxes (found on the
sampled frames) are interpolated to every frame and smoothed, its crops are scored in chunks of ``CHUNK`` frames as
they come, on a worker thread while decoding goes on (a few chunks queued at most, so memory stays flat), and audio
and video are aligned by the streams' start times.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .. import models
from ..core.errors import ModelNotFound
from ..media.probe import open_container
from .analysis import FaceTrack

log = logging.getLogger(__name__)

ASD_MODEL = "light-asd"
WEIGHTS = "light-asd-ava.onnx"
"""AVA weights: audio-visual (a face scores high only when the voice fits its lips); see the model README."""
FPS = 25
CHUNK = 150
"""Frames (6 s) scored per model run."""
IN_FLIGHT = 3
"""Model runs queued at most while decoding goes on."""
CROP = 112
PAD_GREY = 110
MEDIAN_FRAMES = 13
SMOOTH_FRAMES = 5
SAMPLE_RATE = 16000
MIN_FACE = 32
"""Tracks of smaller faces (median box side, video px) are not scored: too few pixels of lips, and a crowd of them
would cost a model run each."""


class SpeakingScorer:
    """The Light-ASD ONNX session; ``score(crops, mfcc)`` gives the speaking logit of every crop (> 0: speaking)."""

    def __init__(self, model_dir: str | Path | None = None, threads: int = 1):
        import onnxruntime as ort

        path = models.resolve(ASD_MODEL, model_dir) / WEIGHTS
        settings = ort.SessionOptions()
        settings.intra_op_num_threads = threads
        settings.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(path), settings, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for unreadable files
            raise ModelNotFound(f"Cannot load the active speaker model {path}: {exc}",
                                hint="Reinstall the model bundle ('castscript models fetch DIR').") from None

    def score(self, crops: np.ndarray, mfcc: np.ndarray) -> np.ndarray:
        """``crops`` [T, 112, 112] grey 0-255, ``mfcc`` [4T, 13] -> [T] logits."""
        feeds = {"video": crops[None].astype(np.float32), "audio": mfcc[None].astype(np.float32)}
        return self._session.run(["score"], feeds)[0][0]


def mfcc(samples: np.ndarray) -> np.ndarray:
    """Light-ASD's audio features: 13 MFCC, 100 a second, from 16 kHz mono float samples (-1..1)."""
    from python_speech_features import mfcc as features

    return features(samples * 32768.0, SAMPLE_RATE, numcep=13, winlen=0.025, winstep=0.010)


def crop_face(grey: np.ndarray, x: float, y: float, s: float) -> np.ndarray:
    """The 112x112 model input for a face of half-size ``s`` centred at (``x``, ``y``): the centre of the 224x224
    resize of rows [y - s, y + 1.8 s] and columns [x - 1.4 s, x + 1.4 s], grey ``PAD_GREY`` outside the frame."""
    import cv2

    scale = CROP / (1.4 * s)  # the kept centre covers rows [y - 0.3 s, y + 1.1 s] and columns [x - 0.7 s, x + 0.7 s]
    matrix = np.array([[scale, 0, -(x - 0.7 * s) * scale], [0, scale, -(y - 0.3 * s) * scale]], dtype=np.float32)
    return cv2.warpAffine(grey, matrix, (CROP, CROP), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=PAD_GREY)


@dataclass(frozen=True)
class TrackScores:
    start: float
    """Time of the first score."""
    scores: np.ndarray
    """Speaking logits at 25 fps."""
    motion: float
    """Mean absolute difference of consecutive face crops (grey levels): about 1 for a still picture."""


@dataclass
class TrackFrames:
    """One track's smoothed crop geometry on the 25 fps grid, and its scores as they are computed."""

    track: FaceTrack
    first: int
    """Grid index of the first frame."""
    geometry: np.ndarray
    """[frames, 3]: centre x, centre y, half-size s per grid frame."""
    crops: list[np.ndarray] = field(default_factory=list)
    scores: list[Future] = field(default_factory=list)
    """Model runs of the chunks so far, in order (each gives the chunk's logits)."""
    sent: int = 0
    """Frames sent to the model so far."""
    motion: list[float] = field(default_factory=list)
    """Mean absolute difference (grey levels) of consecutive crops, per chunk."""

    @property
    def last(self) -> int:
        return self.first + len(self.geometry) - 1

    @classmethod
    def of(cls, track: FaceTrack) -> TrackFrames | None:
        from scipy.signal import medfilt

        first, last = int(np.ceil(track.start * FPS)), int(np.floor(track.end * FPS))
        if last < first:
            return None
        grid = np.arange(first, last + 1) / FPS
        times = np.array([b.time for b in track.boxes])
        boxes = np.array([[b.x + b.w / 2, b.y + b.h / 2, max(b.w, b.h) / 2] for b in track.boxes])
        geometry = np.stack([np.interp(grid, times, boxes[:, i]) for i in range(3)], axis=1)
        if len(geometry) >= MEDIAN_FRAMES:
            geometry = np.stack([medfilt(geometry[:, i], MEDIAN_FRAMES) for i in range(3)], axis=1)
        return cls(track, first, geometry)


def score_tracks(
    path: str | Path, tracks: list[FaceTrack], samples: np.ndarray, scorer: SpeakingScorer,
    progress: Callable[[float], None] | None = None,
) -> dict[int, TrackScores]:
    """Per track id, its scores, for ``tracks`` found in ``path``, whose audio is ``samples`` (16 kHz mono, from the
    audio stream's start)."""
    scored = [t for t in tracks if np.median([max(b.w, b.h) for b in t.boxes]) >= MIN_FACE]
    pending = sorted((f for t in scored if (f := TrackFrames.of(t)) is not None), key=lambda f: f.first)
    if not pending or len(samples) == 0:
        return {}
    features = mfcc(samples)
    audio_start = _audio_start(path)
    active: list[TrackFrames] = []
    done: list[TrackFrames] = []
    end = max(f.last for f in pending)
    with ThreadPoolExecutor(max_workers=1) as pool:  # the model runs while the next frames are decoded
        chunk = partial(_score_chunk, features=features, audio_start=audio_start, model=_Queued(pool, scorer))
        for index, grey in _grid_frames(path, end, {i for f in pending for i in range(f.first, f.last + 1)}):
            while pending and pending[0].first <= index:
                active.append(pending.pop(0))
            for frames in active:
                if frames.first <= index <= frames.last:
                    frames.crops.append(crop_face(grey, *frames.geometry[index - frames.first]))
                    if len(frames.crops) == CHUNK or index == frames.last:
                        chunk(frames)
            done += [f for f in active if f.last <= index]
            active = [f for f in active if f.last > index]
            if progress:
                progress(min(1.0, index / max(end, 1)))
        for frames in active + pending:  # the video ended before these frames
            if frames.crops:
                chunk(frames)
            done.append(frames)
        return {f.track.id: TrackScores(f.first / FPS, _smooth(np.concatenate([r.result() for r in f.scores])),
                                        float(np.mean(f.motion)) if f.motion else 0.0)
                for f in done if f.scores}


class _Queued:
    """The model on one worker thread with at most ``IN_FLIGHT`` runs waiting (bounds the crops held in memory)."""

    def __init__(self, pool: ThreadPoolExecutor, scorer: SpeakingScorer):
        self.pool, self.scorer, self.waiting = pool, scorer, deque()

    def submit(self, crops: np.ndarray, features: np.ndarray) -> Future:
        while len(self.waiting) >= IN_FLIGHT:
            self.waiting.popleft().result()
        future = self.pool.submit(self.scorer.score, crops, features)
        self.waiting.append(future)
        return future


def _score_chunk(frames: TrackFrames, *, features: np.ndarray, audio_start: float, model: _Queued) -> None:
    """Send the track's pending crops and their audio to the model."""
    first = frames.first + frames.sent
    crops = np.stack(frames.crops)
    frames.crops, frames.sent = [], frames.sent + len(crops)
    if len(crops) > 1:
        frames.motion.append(float(np.abs(np.diff(crops.astype(np.int16), axis=0)).mean()))
    row = round((first / FPS - audio_start) * 100)
    rows = np.arange(row, row + 4 * len(crops)).clip(0, len(features) - 1)
    frames.scores.append(model.submit(crops, features[rows]))


def _smooth(scores: np.ndarray) -> np.ndarray:
    if len(scores) < SMOOTH_FRAMES:
        return scores
    padded = np.pad(scores, SMOOTH_FRAMES // 2, mode="edge")
    return np.convolve(padded, np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES, mode="valid")


def _audio_start(path: str | Path) -> float:
    with open_container(path) as container:
        stream = next(iter(container.streams.audio), None)
        if stream is None or stream.start_time is None:
            return 0.0
        return float(stream.start_time * stream.time_base)


def _grid_frames(path: str | Path, last: int, wanted: set[int]) -> Iterator[tuple[int, np.ndarray]]:
    """(grid index, grey frame) for the wanted indices of the 25 fps grid up to ``last``: the decoded frame nearest
    each grid time, until the video ends."""
    with open_container(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        index, previous, step = 0, None, 1.0 / FPS
        for frame in container.decode(stream):
            if frame.time is None:
                continue
            if previous is not None:
                step = frame.time - previous.time
                yield from _until(previous, (previous.time + frame.time) / 2, index, last, wanted)
                index = max(index, min(last + 1, math.ceil((previous.time + frame.time) / 2 * FPS - 1e-9)))
            if index > last:
                return
            previous = frame
        if previous is not None:
            yield from _until(previous, previous.time + step / 2, index, last, wanted)


def _until(frame, end: float, index: int, last: int, wanted: set[int]) -> Iterator[tuple[int, np.ndarray]]:
    """``frame`` (grey) for each wanted grid index from ``index`` whose time is before ``end``."""
    grey = None
    while index <= last and index / FPS < end:
        if index in wanted:
            grey = frame.to_ndarray(format="gray") if grey is None else grey
            yield index, grey
        index += 1
