"""Speakers of a document: attribution of a diarization's turns to words and segments, and naming."""

from __future__ import annotations

import logging

from .attribution import attribute
from .diarization import DiarizationResult
from .document import Document, Speaker, SpeakerTurn

log = logging.getLogger(__name__)


def apply_diarization(document: Document, result: DiarizationResult) -> None:
    """Turns and speakers from ``result``; every word and segment attributed to its speaker."""
    document.turns = result.turns
    document.segments = attribute(document.segments, result.exclusive, result.turns)
    document.speakers = speakers_of(result)


def speakers_of(result: DiarizationResult) -> dict[str, Speaker]:
    """Label -> Speaker with its embedding and total speech (overlapped speech counts for each speaker)."""
    return {
        label: Speaker(label=label, embedding=embedding, speech_seconds=round(speech_seconds(result.turns, label), 3))
        for label, embedding in result.embeddings.items()
    }


def speech_seconds(turns: list[SpeakerTurn], label: str) -> float:
    return sum(t.end - t.start for t in turns if t.speaker == label)


def apply_names(document: Document, names: tuple[tuple[str, str], ...]) -> None:
    """Name speakers from (key, name) pairs; a key names a speaker as Document.speakers_called reads it (label,
    name, letter A = first speaker, or index)."""
    for key, name in names:
        found = document.speakers_called(key)
        if len(found) != 1:
            log.warning("--speaker-names: no speaker '%s' (found: %s)", key, ", ".join(document.speakers) or "none")
            continue
        document.speakers[found[0]].name = name

