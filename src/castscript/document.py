"""The one document that flows through every stage and that every output is written from."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0
    speaker: str | None = None


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    language: str | None = None
    """Set when languages were detected per segment (multilingual media)."""
    translations: dict[str, str] = field(default_factory=dict)
    """Target language code -> translated text of this segment."""
    translation_edited: list[str] = field(default_factory=list)
    """Target languages whose translation of this segment was written by hand (kept when the source text changes)."""


@dataclass
class SpeakerTurn:
    """One stretch of speech by one speaker (turns of different speakers may overlap)."""

    start: float
    end: float
    speaker: str


@dataclass
class Speaker:
    label: str
    name: str | None = None
    embedding: list[float] | None = None
    """L2-normalised speaker embedding (192-d CAM++), from the speaker's clean speech."""
    speech_seconds: float = 0.0
    identity_score: float | None = None
    """Cosine score against the enrolled voice whose name was taken, when identified."""
    face_person: str | None = None
    face_confidence: float | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.label


@dataclass
class MediaInfo:
    path: str
    duration: float
    has_video: bool = False
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    audio_channels: int | None = None
    audio_sample_rate: int | None = None
    format_name: str | None = None


@dataclass
class Document:
    media: MediaInfo
    language: str | None = None
    language_probability: float | None = None
    task: str = "transcribe"
    segments: list[Segment] = field(default_factory=list)
    speakers: dict[str, Speaker] = field(default_factory=dict)
    turns: list[SpeakerTurn] = field(default_factory=list)
    """Overlap-aware speaker turns from diarization."""
    translation_languages: list[str] = field(default_factory=list)
    faces: dict[str, Any] | None = None
    """Face analysis summary (people, tracks, face <-> speaker mapping) for video input."""
    cuts: list[float] = field(default_factory=list)
    """Shot changes (seconds) in a video, from media.scenes.detect_cuts."""

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    def speaker_name(self, label: str | None) -> str | None:
        if label is None:
            return None
        speaker = self.speakers.get(label)
        return speaker.display_name if speaker else label

    def speakers_called(self, key: str) -> list[str]:
        """Labels of the speakers ``key`` names, by one rule everywhere (--speaker-names, edits, the API): a label
        (SPEAKER_00), else a display name (case-insensitive; several when ambiguous), else a letter (A: the first
        speaker) or an index (0: the first)."""
        labels = list(self.speakers)
        if key in self.speakers:
            return [key]
        wanted = key.strip().casefold()
        named = [s.label for s in self.speakers.values() if s.display_name.casefold() == wanted]
        if named:
            return named
        if key.isdigit():
            index = int(key)
        elif len(key) == 1 and key.isalpha():
            index = ord(key.upper()) - ord("A")
        else:
            return []
        return [labels[index]] if index < len(labels) else []

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        segments = [
            Segment(**{**s, "words": [Word(**w) for w in s.get("words", [])]})
            for s in data.get("segments", [])
        ]
        return cls(
            media=MediaInfo(**data["media"]),
            language=data.get("language"),
            language_probability=data.get("language_probability"),
            task=data.get("task", "transcribe"),
            segments=segments,
            speakers={k: Speaker(**v) for k, v in data.get("speakers", {}).items()},
            turns=[SpeakerTurn(**t) for t in data.get("turns", [])],
            translation_languages=list(data.get("translation_languages", [])),
            faces=data.get("faces"),
            cuts=list(data.get("cuts", [])),
        )

    @classmethod
    def load(cls, path: str | Path) -> Document:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
