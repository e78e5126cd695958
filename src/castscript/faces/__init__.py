"""Faces in video: detect (YuNet) on sampled frames, track, embed (SFace), cluster into people, match to speakers."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np

from ..cache import StageCache, stage_key
from ..core.errors import NoAudioStream
from ..document import Document
from ..media import decode_audio
from ..media.scenes import detect_cuts
from .analysis import FaceAnalysis, FaceBox, FaceMatch, FaceOptions, FaceTrack
from .asd import ASD_MODEL, FPS, WEIGHTS, SpeakingScorer, TrackScores, score_tracks
from .cluster import cluster_tracks
from .frames import sample_frames
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
CUT_SLACK = 0.02
"""A sampled frame this close before a detected cut (rounding of frame times) counts as the next shot."""
CUTS_SHARE, SPEAKING_SHARE = 0.15, 0.35
"""Shares of the progress bar: shot changes, then detection and tracking, then speaker detection."""


def cached_face_analysis(
    input_path: Path,
    fingerprint: str,
    cache: StageCache,
    progress: Callable[[float], None],
    options: FaceOptions = FaceOptions(),
    audio: Callable[[], np.ndarray] | None = None,
    cuts: list[float] | None = None,
) -> FaceAnalysis:
    """The face analysis of ``input_path`` from the stage cache, or computed and stored; ``audio`` gives the input's
    16 kHz mono samples when they are already decoded (else they are decoded here, for speaker detection); ``cuts``
    the shot changes when already known (else they are detected here)."""
    models_used = (DETECTOR, EMBEDDER) + ((ASD_MODEL, WEIGHTS) if options.speaking else ())
    return cache.get_or_compute(
        "faces",
        stage_key("faces", fingerprint, asdict(options), *models_used),
        lambda: analyse_faces(input_path, options, progress, audio=audio, cuts=cuts),
        FaceAnalysis.to_dict,
        FaceAnalysis.from_dict,
    )


def attach_faces(document: Document, analysis: FaceAnalysis) -> None:
    """Match the people in ``analysis`` to the document's speakers; record the mapping and the faces."""
    analysis.mapping, analysis.evidence = match_speakers(analysis, document.turns, document.media.duration)
    for speaker in document.speakers.values():
        match = analysis.person_of(speaker.label)
        speaker.face_person = match.person if match else None
        speaker.face_confidence = match.confidence if match else None
    document.faces = analysis.to_dict()
    log.info("faces: %d people in %d tracks, %d matched to speakers",
             len(analysis.people), len(analysis.tracks), len(analysis.mapping))


def analyse_faces(
    path: Path, options: FaceOptions = FaceOptions(), progress: Callable[[float], None] | None = None,
    face_models: FaceModels | None = None, audio: Callable[[], np.ndarray] | None = None,
    scorer: SpeakingScorer | None = None, cuts: list[float] | None = None,
) -> FaceAnalysis:
    """Find the shot changes (``cuts``: already known ones), detect and track faces on sampled frames (no track
    crosses a cut), embed each track, cluster the tracks into people, and score each track for speaking."""
    report = progress or (lambda _: None)
    face_models = face_models or FaceModels(min_score=options.min_score)
    scene_cuts = list(cuts) if cuts is not None else detect_cuts(path, lambda f: report(f * CUTS_SHARE))
    tracker, pending_cuts = Tracker(options.max_gap), list(scene_cuts)
    detect_share = 1.0 - CUTS_SHARE - (SPEAKING_SHARE if options.speaking else 0.0)
    width = height = 0
    for sample in sample_frames(path, options.sample_fps, options.detect_size,
                                lambda f: report(CUTS_SHARE + f * detect_share)):
        height, width = sample.frame.height, sample.frame.width
        if pending_cuts and sample.time >= pending_cuts[0] - CUT_SLACK:
            tracker.cut()
            pending_cuts = [c for c in pending_cuts if c - CUT_SLACK > sample.time]
        detections = [d.scaled(sample.scale) for d in face_models.detect(sample.small)]
        full = None
        for track, detection in tracker.update(sample.time, detections):
            if _wants_embedding(track, detection, sample.time, options):
                full = sample.full() if full is None else full
                track.embeddings.append(face_models.embed(full, detection))
                track.last_embedded = sample.time
    tracks = [t for t in tracker.finish() if len(t.boxes) >= MIN_DETECTIONS and t.embeddings]
    analysis = FaceAnalysis(width, height, options.sample_fps, _people(tracks, options), scene_cuts)
    samples = _audio(path, audio) if options.speaking and analysis.tracks else None
    if samples is not None:
        scores = score_tracks(path, analysis.tracks, samples, scorer or SpeakingScorer(),
                              lambda f: report(1.0 - SPEAKING_SHARE + f * SPEAKING_SHARE))
        _attach_scores(analysis, scores)
    report(1.0)
    return analysis


def _audio(path: Path, audio: Callable[[], np.ndarray] | None) -> np.ndarray | None:
    """The input's 16 kHz samples for speaker detection; None for a video without sound."""
    try:
        return audio() if audio is not None else decode_audio(path)
    except NoAudioStream:
        return None


def _attach_scores(analysis: FaceAnalysis, scores: dict[int, TrackScores]) -> None:
    """Each box's speaking score: the mean of its track's frame scores within half a sampling step of it."""
    half = 0.5 / analysis.sample_fps
    for track in analysis.tracks:
        if track.id not in scores:
            continue
        values, track.motion = scores[track.id].scores, scores[track.id].motion
        times = scores[track.id].start + np.arange(len(values)) / FPS
        for box in track.boxes:
            near = values[np.abs(times - box.time) <= half]
            box.speaking = float(near.mean()) if near.size else None


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
