"""Faces in video: detect (YuNet) on sampled frames, track, embed (SFace), cluster into people, match to speakers."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np

from ..cache import StageCache, stage_key
from ..document import Document
from .analysis import FaceAnalysis, FaceBox, FaceMatch, FaceOptions, FaceTrack
from .cluster import cluster_tracks
from .frames import CutDetector, sample_frames
from .match import match_speakers
from .models import DETECTOR, EMBEDDER, FaceModels
from .track import OpenTrack, Tracker

__all__ = ["FaceAnalysis", "FaceBox", "FaceMatch", "FaceOptions", "FaceTrack", "analyse_faces", "attach_faces",
           "cached_face_analysis", "match_speakers"]

log = logging.getLogger(__name__)

MIN_DETECTIONS = 2
"""Tracks seen on fewer sampled frames are dropped as likely false detections."""
MIN_EMBED_SIZE = 24
"""Faces smaller than this (video px) are tracked but not embedded."""


def cached_face_analysis(
    input_path: Path,
    fingerprint: str,
    cache: StageCache,
    progress: Callable[[float], None],
    options: FaceOptions = FaceOptions(),
) -> FaceAnalysis:
    """The face analysis of ``input_path`` from the stage cache, or computed and stored."""
    return cache.get_or_compute(
        "faces",
        stage_key("faces", fingerprint, asdict(options), DETECTOR, EMBEDDER),
        lambda: analyse_faces(input_path, options, progress),
        FaceAnalysis.to_dict,
        FaceAnalysis.from_dict,
    )


def attach_faces(document: Document, analysis: FaceAnalysis) -> None:
    """Match the people in ``analysis`` to the document's speakers; record the mapping and the faces."""
    analysis.mapping = match_speakers(analysis, document.turns, document.media.duration)
    for speaker in document.speakers.values():
        match = analysis.person_of(speaker.label)
        speaker.face_person = match.person if match else None
        speaker.face_confidence = match.confidence if match else None
    document.faces = analysis.to_dict()
    log.info("faces: %d people in %d tracks, %d matched to speakers",
             len(analysis.people), len(analysis.tracks), len(analysis.mapping))


def analyse_faces(
    path: Path, options: FaceOptions = FaceOptions(), progress: Callable[[float], None] | None = None,
    face_models: FaceModels | None = None,
) -> FaceAnalysis:
    """Detect and track faces on sampled frames, embed each track, and cluster the tracks into people."""
    face_models = face_models or FaceModels(min_score=options.min_score)
    tracker, cuts, scene_cuts = Tracker(options.max_gap), CutDetector(options.scene_cut), []
    width = height = 0
    for sample in sample_frames(path, options.sample_fps, options.detect_size, progress):
        height, width = sample.frame.height, sample.frame.width
        if cuts.is_cut(sample.small):
            tracker.cut()
            scene_cuts.append(sample.time)
        detections = [d.scaled(sample.scale) for d in face_models.detect(sample.small)]
        full = None
        for track, detection in tracker.update(sample.time, detections):
            if _wants_embedding(track, detection, sample.time, options):
                full = sample.full() if full is None else full
                track.embeddings.append(face_models.embed(full, detection))
                track.last_embedded = sample.time
    tracks = [t for t in tracker.finish() if len(t.boxes) >= MIN_DETECTIONS and t.embeddings]
    return FaceAnalysis(width, height, options.sample_fps, _people(tracks, options), scene_cuts)


def _wants_embedding(track: OpenTrack, detection, time: float, options: FaceOptions) -> bool:
    return (
        len(track.embeddings) < options.embeddings_per_track
        and time - track.last_embedded >= options.embed_interval
        and min(detection.box[2:]) >= MIN_EMBED_SIZE
    )


def _people(tracks: list[OpenTrack], options: FaceOptions) -> list[FaceTrack]:
    if not tracks:
        return []
    labels = cluster_tracks(
        np.array([t.embedding() for t in tracks]), [(t.boxes[0].time, t.last_time) for t in tracks], options.same_person
    )
    return [FaceTrack(t.id, t.boxes, f"FACE_{label:02d}") for t, label in zip(tracks, labels)]
