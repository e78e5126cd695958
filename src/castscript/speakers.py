"""The speaker stage: diarize (cached), attribute words and segments, and name the speakers."""

from __future__ import annotations

import logging
from dataclasses import asdict

import numpy as np

from .attribution import attribute
from .cache import StageCache, stage_key
from .diarization import ENGINE_VERSION, DiarizationOptions, DiarizationResult, diarize
from .document import Document, Speaker, SpeakerTurn
from .pipeline import SpeakerOptions
from .progress import Progress
from .voices import identify_speakers

log = logging.getLogger(__name__)


def add_speakers(
    document: Document, audio: np.ndarray, options: SpeakerOptions, fingerprint: str, cache: StageCache, progress: Progress
) -> None:
    """Diarize (cached) and fill the document's turns and speakers, giving every segment and word its speaker."""
    settings = diarization_options(options)
    key = diarization_key(settings, fingerprint)
    result = cache.get_or_compute(
        "diarization", key, lambda: diarize(audio, settings, progress=progress.update),
        DiarizationResult.to_dict, DiarizationResult.from_dict,
    )
    apply_diarization(document, result, options)


def apply_diarization(document: Document, result: DiarizationResult, options: SpeakerOptions) -> None:
    """Turns and speakers from ``result``; words and segments attributed; voices identified; names given."""
    document.turns = result.turns
    document.segments = attribute(document.segments, result.exclusive)
    document.speakers = speakers_of(result)
    if options.identify:
        identify_speakers(document, options.library, options.voice_threshold)
    apply_names(document, options.names)


def diarization_options(options: SpeakerOptions, threads: int = 0, device: str = "cpu") -> DiarizationOptions:
    return DiarizationOptions(
        num_speakers=options.num_speakers,
        min_speakers=options.min_speakers,
        max_speakers=options.max_speakers,
        threads=threads,
        device=device,
    )


def diarization_key(options: DiarizationOptions, fingerprint: str) -> str:
    """Cache key of a diarization: the media and the options that change turns (not threads or device)."""
    settings = {k: v for k, v in asdict(options).items() if k not in ("threads", "device")}
    return stage_key("diarization", ENGINE_VERSION, fingerprint, settings)


def cached_diarization_result(cache: StageCache, key: str) -> DiarizationResult | None:
    return cache.load("diarization", key, DiarizationResult.from_dict)


def speakers_of(result: DiarizationResult) -> dict[str, Speaker]:
    """Label -> Speaker with its embedding and total speech (overlapped speech counts for each speaker)."""
    return {
        label: Speaker(label=label, embedding=embedding, speech_seconds=round(speech_seconds(result.turns, label), 3))
        for label, embedding in result.embeddings.items()
    }


def speech_seconds(turns: list[SpeakerTurn], label: str) -> float:
    return sum(t.end - t.start for t in turns if t.speaker == label)


def apply_names(document: Document, names: tuple[tuple[str, str], ...]) -> None:
    """Name speakers from (key, name) pairs; a key is a label (SPEAKER_00), a letter (A = first speaker) or an index."""
    labels = list(document.speakers)
    for key, name in names:
        label = resolve_label(key, labels)
        if label is None:
            log.warning("--speaker-names: no speaker '%s' (found: %s)", key, ", ".join(labels) or "none")
            continue
        document.speakers[label].name = name


def resolve_label(key: str, labels: list[str]) -> str | None:
    if key in labels:
        return key
    if key.isdigit():
        index = int(key)
    elif len(key) == 1 and key.isalpha():
        index = ord(key.upper()) - ord("A")
    else:
        return None
    return labels[index] if index < len(labels) else None
