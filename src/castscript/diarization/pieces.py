"""Pieces: stretches of one local speaker's speech in one window, each embedded from its clean speech.

The segmentation model sometimes gives two voices the same local speaker within a window (they take turns with a
pause), so each stretch of speech, not each local speaker, is embedded and clustered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..media import SAMPLE_RATE
from .embedding import FRAME_LENGTH, FRAME_SHIFT as FBANK_SHIFT, SpeakerEmbedder
from .segmentation import FRAME_SHIFT, FRAMES_PER_WINDOW, LOCAL_SPEAKERS, RECEPTIVE_FIELD_SAMPLES, Window


@dataclass(frozen=True)
class PieceOptions:
    bridge_seconds: float = 0.3
    """Pauses shorter than this do not end a piece."""
    min_seconds: float = 0.4
    """Shorter pieces join the nearest longer piece of the same local speaker in the window, when there is one."""
    max_piece_seconds: float = 5.0
    """Longer pieces are cut into equal parts, each embedded and clustered on its own: a local speaker of one window is
    sometimes two voices taking turns, and a part can catch the second (tuning pool: DER c0.5 -1 point)."""
    max_embed_seconds: float = 3.0
    """Longer pieces are embedded from their middle this long (the embedding hardly changes; the cost does)."""
    clean_only: bool = True
    """Embed only frames where the piece's speaker is the only one heard (when it has enough of them)."""


@dataclass
class Piece:
    window: int
    local: int
    start: int
    """First frame, within the window."""
    end: int
    """Frame after the last."""
    clean_seconds: float
    """Speech in the piece with no other local speaker active."""


@dataclass
class PieceCollection:
    """Every piece of every window so far, and its embedding (``vectors[i]`` belongs to ``pieces[i]``)."""

    pieces: list[Piece] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)

    def add(self, piece: Piece, vector: np.ndarray) -> None:
        self.pieces.append(piece)
        self.vectors.append(vector)


def runs(mask: np.ndarray, bridge: int) -> list[tuple[int, int]]:
    """(start, end) of the True stretches of ``mask``, joining stretches separated by at most ``bridge`` frames."""
    changes = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    out: list[tuple[int, int]] = []
    for start, end in zip(changes[::2].tolist(), changes[1::2].tolist()):
        if out and start - out[-1][1] <= bridge:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


PENDING_PIECES = 64
"""Pieces found before they are embedded together (equal lengths batch; memory stays a few MB)."""


class PieceEmbedder:
    """Finds the pieces of a window and embeds each from the fbank frames of its clean speech."""

    def __init__(self, embedder: SpeakerEmbedder, options: PieceOptions = PieceOptions()):
        self.embedder = embedder
        self.options = options
        self._pending: list[tuple[Piece, np.ndarray]] = []

    def add_window(self, index: int, window: Window, features: np.ndarray, collection: PieceCollection) -> None:
        """Find the pieces of ``window`` (``features``: its fbank frames); they reach ``collection`` in order, once
        embedded (call ``finish`` after the last window)."""
        activity = window.activity
        clean = activity & (activity.sum(axis=1, keepdims=True) == 1)
        frame_of_fbank = _fbank_frame_map(len(features))
        most = round(self.options.max_embed_seconds / FBANK_SHIFT)
        for local in range(LOCAL_SPEAKERS):
            for start, end in self._spans(activity[:, local]):
                in_span = np.zeros(len(activity), dtype=bool)
                in_span[start:end] = True
                clean_seconds = float((clean[:, local] & in_span).sum() * FRAME_SHIFT)
                enough = self.options.clean_only and clean_seconds >= self.options.min_seconds / 2
                speech = clean[:, local] if enough else activity[:, local]
                frames = features[(speech & in_span)[frame_of_fbank]]
                if len(frames):
                    self._pending.append((Piece(index, local, start, end, clean_seconds), _middle(frames, most)))
        if len(self._pending) >= PENDING_PIECES:
            self.finish(collection)

    def finish(self, collection: PieceCollection) -> None:
        """Embed the pieces found so far and add them to ``collection``."""
        if self._pending:
            vectors = self.embedder.embed_many([frames for _, frames in self._pending])
            for (piece, _), vector in zip(self._pending, vectors):
                collection.add(piece, vector)
        self._pending = []

    def _spans(self, mask: np.ndarray) -> list[tuple[int, int]]:
        """Pieces of one local speaker: runs, with runs too short to embed well joined to their nearest neighbour, and
        long ones cut (``cut``)."""
        found = runs(mask, round(self.options.bridge_seconds / FRAME_SHIFT))
        shortest = round(self.options.min_seconds / FRAME_SHIFT)
        long = [r for r in found if r[1] - r[0] >= shortest]
        if not long:
            spans = [[found[0][0], found[-1][1]]] if found else []
        else:
            spans = [list(r) for r in long]
            for start, end in (r for r in found if r[1] - r[0] < shortest):
                nearest = min(spans, key=lambda s: max(s[0] - end, start - s[1]))
                nearest[0], nearest[1] = min(nearest[0], start), max(nearest[1], end)
        return [part for start, end in spans for part in cut(start, end, self.options.max_piece_seconds)]


def cut(start: int, end: int, most: float) -> list[tuple[int, int]]:
    """Frames [start, end) cut into the fewest equal parts of at most ``most`` seconds."""
    parts = max(1, int(np.ceil((end - start) * FRAME_SHIFT / most)))
    edges = np.linspace(start, end, parts + 1).round().astype(int).tolist()
    return list(zip(edges[:-1], edges[1:]))


def _middle(frames: np.ndarray, most: int) -> np.ndarray:
    """At most ``most`` frames from the middle of ``frames``."""
    skip = max(0, (len(frames) - most) // 2)
    return frames[skip : skip + most]


def _fbank_frame_map(count: int) -> np.ndarray:
    """Segmentation frame (within a window) nearest to the middle of each of a window's ``count`` fbank frames."""
    fbank_middles = np.arange(count) * FBANK_SHIFT + FRAME_LENGTH / 2
    first_frame_middle = RECEPTIVE_FIELD_SAMPLES / SAMPLE_RATE / 2
    index = np.rint((fbank_middles - first_frame_middle) / FRAME_SHIFT).astype(int)
    return np.clip(index, 0, FRAMES_PER_WINDOW - 1)
