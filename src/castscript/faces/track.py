"""Face tracks across sampled frames: detections join the open track whose last box overlaps them most (IoU,
one-to-one by the Hungarian method); a track closes when its face is gone too long or at a scene cut."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..core.vectors import l2_normalise
from .analysis import FaceBox
from .models import Detection

MIN_IOU = 0.3


@dataclass
class OpenTrack:
    id: int
    boxes: list[FaceBox] = field(default_factory=list)
    embeddings: list[np.ndarray] = field(default_factory=list)
    last_embedded: float = float("-inf")

    @property
    def last_time(self) -> float:
        return self.boxes[-1].time

    def embedding(self) -> np.ndarray | None:
        if not self.embeddings:
            return None
        mean = np.mean(self.embeddings, axis=0)
        return l2_normalise(mean)


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` (N x 4, x y w h) with every box in ``b`` (M x 4)."""
    a_lo, a_hi = a[:, None, :2], a[:, None, :2] + a[:, None, 2:]
    b_lo, b_hi = b[None, :, :2], b[None, :, :2] + b[None, :, 2:]
    inter = np.clip(np.minimum(a_hi, b_hi) - np.maximum(a_lo, b_lo), 0, None).prod(axis=2)
    union = a[:, None, 2:].prod(axis=2) + b[None, :, 2:].prod(axis=2) - inter
    return inter / np.maximum(union, 1e-9)


class Tracker:
    def __init__(self, max_gap: float):
        self.max_gap = max_gap
        self.open: list[OpenTrack] = []
        self.closed: list[OpenTrack] = []
        self._next_id = 0

    def cut(self) -> None:
        """A scene cut: no face continues across it."""
        self.closed += self.open
        self.open = []

    def update(self, time: float, detections: list[Detection]) -> list[tuple[OpenTrack, Detection]]:
        """Attach ``detections`` (in video pixels) seen at ``time``; return each with its track."""
        expired = [t for t in self.open if time - t.last_time > self.max_gap]
        self.closed += expired
        self.open = [t for t in self.open if t not in expired]
        pairs: list[tuple[OpenTrack, Detection]] = []
        unmatched = set(range(len(detections)))
        if self.open and detections:
            overlap = iou(np.array([_xywh(t.boxes[-1]) for t in self.open]), np.array([d.box for d in detections]))
            for row, col in zip(*linear_sum_assignment(-overlap)):
                if overlap[row, col] >= MIN_IOU:
                    pairs.append((self.open[row], detections[col]))
                    unmatched.discard(col)
        for col in sorted(unmatched):
            track = OpenTrack(self._next_id)
            self._next_id += 1
            self.open.append(track)
            pairs.append((track, detections[col]))
        for track, detection in pairs:
            track.boxes.append(FaceBox(time, *(float(v) for v in detection.box)))
        return pairs

    def finish(self) -> list[OpenTrack]:
        self.cut()
        return sorted(self.closed, key=lambda t: t.id)


def _xywh(box: FaceBox) -> list[float]:
    return [box.x, box.y, box.w, box.h]
