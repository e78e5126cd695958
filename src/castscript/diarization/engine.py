"""The diarization engine: segmentation windows -> embedded pieces of speech -> clustering -> speaker turns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..core.options import SPEAKER_ACCURACY, SpeakerOptions
from ..document import SpeakerTurn
from ..media import SAMPLE_RATE
from .clustering import ClusteringOptions, SpeakerCount, assign_pieces, centroids_of, cluster
from .embedding import RecordingFbank, SpeakerEmbedder
from .onnx import uses_gpu
from .pieces import Piece, PieceCollection, PieceEmbedder, PieceOptions
from .reconstruction import FrameAccumulator, exclusive, fill_pauses, to_turns
from .segmentation import FRAME_SHIFT, WINDOW_SAMPLES, WINDOW_SECONDS, Segmenter

ProgressCallback = Callable[[float], None]
ENGINE_VERSION = 8
"""Changes whenever the same options would give different turns (it keys cached results)."""
CPU_SEGMENTATION_BATCH = 2
"""Windows per segmentation run on the CPU: larger batches grow onnxruntime's memory arena, not the speed."""
GPU_SEGMENTATION_BATCH = 32
MIN_SEED_SECONDS = 0.5
"""A piece seeds a speaker the user's count asks for only with this much speech, overlapped or not."""


@dataclass(frozen=True)
class DiarizationOptions:
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    step: float = SPEAKER_ACCURACY[SpeakerOptions.accuracy]
    """Seconds between the starts of consecutive 10 s segmentation windows (core.options.SPEAKER_ACCURACY)."""
    min_clean_seconds: float = 0.5
    """Pieces with this much non-overlapped speech train the clustering; the others are only assigned."""
    min_local_seconds: float = 1.0
    """Local speakers of one window who each speak this long are taken as different people (a count lower bound)."""
    min_pause: float = 0.5
    """A speaker's pauses shorter than this (seconds) stay inside their turn."""
    pieces: PieceOptions = PieceOptions()
    clustering: ClusteringOptions = ClusteringOptions()
    threads: int = 0
    """onnxruntime intra-op threads (0: all cores)."""
    device: str = "cpu"
    """cpu, cuda (onnxruntime-gpu, when installed) or auto."""
    segmentation_model: str | None = None
    """Folder of pyannote-segmentation-3.0 (default: the model registry's resolution)."""
    embedding_model: str | None = None
    """Folder of campplus-zh-en-common (default: the model registry's resolution)."""
    int8_embeddings: bool = True
    """On the CPU, CAM++ with int8 Conv layers: 2.3x faster; tuning-half DER within 0.1 point of the float model's."""

    def embedder(self) -> SpeakerEmbedder:
        """CAM++ as these options run it (diarization, and voice enrolment, whose voices are compared with it)."""
        return SpeakerEmbedder(self.embedding_model, self.threads, self.device, self.int8_embeddings)

    @property
    def count(self) -> SpeakerCount:
        return SpeakerCount(self.num_speakers, self.min_speakers, self.max_speakers)


@dataclass
class DiarizationResult:
    turns: list[SpeakerTurn] = field(default_factory=list)
    """Overlap-aware turns: turns of different speakers may overlap."""
    exclusive: list[SpeakerTurn] = field(default_factory=list)
    """One speaker at a time (the most active one in overlaps), for attributing words."""
    embeddings: dict[str, list[float]] = field(default_factory=dict)
    """Label -> L2-normalised 192-d embedding from the speaker's clean speech."""

    @property
    def labels(self) -> list[str]:
        return list(self.embeddings)

    def to_dict(self) -> dict:
        return {
            "turns": [[t.start, t.end, t.speaker] for t in self.turns],
            "exclusive": [[t.start, t.end, t.speaker] for t in self.exclusive],
            "embeddings": self.embeddings,
        }

    @classmethod
    def from_dict(cls, data: dict) -> DiarizationResult:
        return cls(
            turns=[SpeakerTurn(*t) for t in data["turns"]],
            exclusive=[SpeakerTurn(*t) for t in data["exclusive"]],
            embeddings={k: list(v) for k, v in data["embeddings"].items()},
        )


@dataclass
class _Window:
    first_frame: int
    activity: np.ndarray


@dataclass
class Analysis:
    """What the models found in one recording; clustering it is cheap, so tuning can reuse it."""

    duration: float
    windows: list[_Window] = field(default_factory=list)
    collection: PieceCollection = field(default_factory=PieceCollection)


class Diarizer:
    """Loads both models once; call it on 16 kHz mono float32 audio."""

    def __init__(self, options: DiarizationOptions = DiarizationOptions()):
        self.options = options
        batch = GPU_SEGMENTATION_BATCH if uses_gpu(options.device) else CPU_SEGMENTATION_BATCH
        self.segmenter = Segmenter(options.segmentation_model, options.threads, batch, options.device)
        self.pieces = PieceEmbedder(options.embedder(), options.pieces)

    def __call__(self, audio: np.ndarray, progress: ProgressCallback | None = None) -> DiarizationResult:
        result = self.combine(self.analyse(audio, progress))
        if progress:
            progress(1.0)
        return result

    def analyse(self, audio: np.ndarray, progress: ProgressCallback | None = None) -> Analysis:
        """The models' part: every window's local speakers and every piece's embedding (no clustering)."""
        total = self.segmenter.window_count(len(audio), self.options.step)
        analysis = Analysis(len(audio) / SAMPLE_RATE)
        features = RecordingFbank(audio)
        for index, window in enumerate(self.segmenter.windows(audio, self.options.step)):
            analysis.windows.append(_Window(window.first_frame, window.activity))
            window_features = features.clip(window.start_sample, WINDOW_SAMPLES)
            self.pieces.add_window(index, window, window_features, analysis.collection)
            if progress:
                progress(0.95 * (index + 1) / total)
        self.pieces.finish(analysis.collection)
        return analysis

    def combine(self, analysis: Analysis) -> DiarizationResult:
        """Cluster the pieces of every window into speakers and rebuild the speakers' turns."""
        collection, windows = analysis.collection, analysis.windows
        if not collection.pieces:
            return DiarizationResult()
        least = self.options.count.bounds(len(collection.pieces))[0]  # the user's count, at least
        speaker_of_piece, centroids = self._cluster(collection, windows, least)
        frames = FrameAccumulator(windows[-1].first_frame + len(windows[-1].activity), len(centroids))
        for window in windows:
            frames.add_window(window.first_frame, window.activity)
        for piece, speaker in zip(collection.pieces, speaker_of_piece):
            window = windows[piece.window]
            frames.add_speech(window.first_frame + piece.start, window.activity[piece.start : piece.end, piece.local], speaker)
        return _result(frames, centroids, analysis.duration, self.options.min_pause, least)

    def _cluster(
        self, collection: PieceCollection, windows: list[_Window], least: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Global speaker of every piece, and the speakers' centroids (at least ``least``)."""
        vectors = np.stack(collection.vectors)
        centroids = self._centroids(vectors, collection, windows, least)
        return _assign(vectors @ centroids.T, collection, windows), centroids

    def _centroids(
        self, vectors: np.ndarray, collection: PieceCollection, windows: list[_Window], least: int
    ) -> np.ndarray:
        """The clustering of the pieces with enough clean speech, then the speakers the user's count asks for beyond
        those it found, up to ``least`` (``_add_voices``)."""
        clean = np.array([p.clean_seconds for p in collection.pieces])
        train = clean >= self.options.min_clean_seconds
        count = self.options.count
        if train.sum() < max(2, count.num or 0, count.min or 0):
            train[:] = True
        floor = max(_speakers_heard_together(w.activity, self.options.min_local_seconds) for w in windows)
        views = WINDOW_SECONDS / self.options.step  # windows each moment is heard in
        heard_alone = np.maximum(clean[train], FRAME_SHIFT) / views
        labels = cluster(vectors[train], count, self.options.clustering, floor, heard_alone)
        centroids = centroids_of(vectors[train], labels, heard_alone)
        frames = np.array([windows[p.window].activity[p.start : p.end, p.local].sum() for p in collection.pieces])
        heard = frames * FRAME_SHIFT
        return _add_voices(centroids, vectors[heard >= MIN_SEED_SECONDS], least)


def _assign(similarity: np.ndarray, collection: PieceCollection, windows: list[_Window]) -> np.ndarray:
    """Each piece's speaker: within each window, the most similar centroid not taken by a piece heard at the same
    time (``assign_pieces``); ``similarity`` is [pieces, speakers]."""
    speakers = np.empty(len(similarity), dtype=int)
    by_window: dict[int, list[int]] = {}
    for row, piece in enumerate(collection.pieces):
        by_window.setdefault(piece.window, []).append(row)
    for index, rows in by_window.items():
        pieces = [collection.pieces[r] for r in rows]
        speakers[rows] = assign_pieces(similarity[rows], _simultaneous(pieces, windows[index].activity))
    return speakers


def _add_voices(centroids: np.ndarray, vectors: np.ndarray, count: int) -> np.ndarray:
    """Centroids for the speakers the user's count asks for beyond those the clustering found, each seeded by the
    piece least like every speaker so far: a voice heard briefly or mostly in overlap, whose clean speech the
    clustering did not reach. (Cutting the clustering lower instead splits a well-heard voice in two: tuning pool, told
    the true count, DER c0.5 8.85 -> 7.70.)"""
    while len(centroids) < count and len(vectors):
        seed = vectors[np.argmin((vectors @ centroids.T).max(axis=1))]
        centroids = np.vstack([centroids, seed])
    return centroids


def _speakers_heard_together(activity: np.ndarray, min_seconds: float) -> int:
    """How many local speakers of one window speak at least ``min_seconds``: a lower bound on the speaker count."""
    return int((activity.sum(axis=0) * FRAME_SHIFT >= min_seconds).sum())


def _simultaneous(pieces: list[Piece], activity: np.ndarray) -> np.ndarray:
    """[i, j]: pieces i and j are different local speakers heard in the same frame."""
    out = np.zeros((len(pieces), len(pieces)), dtype=bool)
    for i, a in enumerate(pieces):
        for j, b in enumerate(pieces[:i]):
            start, end = max(a.start, b.start), min(a.end, b.end)
            if a.local != b.local and start < end:
                out[i, j] = out[j, i] = bool((activity[start:end, a.local] & activity[start:end, b.local]).any())
    return out


def _result(
    frames: FrameAccumulator, centroids: np.ndarray, duration: float, min_pause: float, least: int
) -> DiarizationResult:
    """Turns labelled SPEAKER_00, SPEAKER_01, ... in order of first appearance; speakers with no speech dropped (down
    to ``least``, the user's count)."""
    binary = fill_pauses(frames.binary(least), min_pause)
    first_frame = np.where(binary.any(axis=0), binary.argmax(axis=0), np.iinfo(np.int64).max)
    order = [int(s) for s in np.argsort(first_frame, kind="stable") if binary[:, s].any()]
    labels = [f"SPEAKER_{i:02d}" for i in range(len(order))]
    binary = binary[:, order]
    return DiarizationResult(
        turns=to_turns(binary, labels, duration),
        exclusive=to_turns(exclusive(binary, frames.activations[:, order]), labels, duration),
        embeddings={label: np.round(centroids[s], 6).tolist() for label, s in zip(labels, order)},
    )


def diarize(
    audio: np.ndarray, options: DiarizationOptions = DiarizationOptions(), progress: ProgressCallback | None = None
) -> DiarizationResult:
    """Who spoke when in 16 kHz mono float32 ``audio``."""
    return Diarizer(options)(audio, progress)
