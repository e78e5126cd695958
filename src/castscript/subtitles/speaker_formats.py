"""Speaker outputs: RTTM (NIST "who spoke when") and the diarization JSON of the widely used Replicate model.

diarization-json: ``{"segments": [{"speaker": "A", "start": "0:00:00.497812", "stop": "0:00:09.779063"}],
"speakers": {"count": 2, "labels": ["A", "B"], "embeddings": {"A": [192 floats]}}}``; SPEAKER_00 is "A",
SPEAKER_01 "B", ..., SPEAKER_26 "AA".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.text import clock as text_clock
from ..document import Document, SpeakerTurn
from ..core.errors import InvalidOption
from .formats import OutputOptions, register

TIME = re.compile(r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$")

SCHEMA = {
    "type": "object",
    "required": ["segments", "speakers"],
    "properties": {
        "segments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["speaker", "start", "stop"],
                "properties": {
                    "speaker": {"type": "string"},
                    "start": {"type": "string", "pattern": TIME.pattern},
                    "stop": {"type": "string", "pattern": TIME.pattern},
                },
            },
        },
        "speakers": {
            "type": "object",
            "required": ["count", "labels", "embeddings"],
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "labels": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                "embeddings": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "number"}, "minItems": 1},
                },
            },
        },
    },
}
"""JSON Schema of the diarization-json output."""


@register("rttm", "rttm", per_language=False)
def render_rttm(document: Document, options: OutputOptions, language: str | None) -> str:
    uri = Path(document.media.path).stem.replace(" ", "_") or "audio"
    return "".join(
        f"SPEAKER {uri} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {t.speaker} <NA> <NA>\n" for t in document.turns
    )


@register("diarization-json", "diarization.json", per_language=False)
def render_diarization_json(document: Document, options: OutputOptions, language: str | None) -> str:
    labels = list(document.speakers)
    letter = {label: letters(i) for i, label in enumerate(labels)}
    payload = {
        "segments": [
            {"speaker": letter.get(t.speaker, t.speaker), "start": clock(t.start), "stop": clock(t.end)}
            for t in document.turns
        ],
        "speakers": {
            "count": len(labels),
            "labels": [letter[label] for label in labels],
            "embeddings": {letter[label]: s.embedding or [] for label, s in document.speakers.items()},
        },
    }
    return json.dumps(payload, indent=1)


@dataclass
class SpeakerTimeline:
    """What a diarization-json file holds."""

    turns: list[SpeakerTurn] = field(default_factory=list)
    embeddings: dict[str, list[float]] = field(default_factory=dict)


def read_diarization_json(text: str, source: str = "diarization JSON") -> SpeakerTimeline:
    """Parse and validate diarization-json content (``source`` names it in errors)."""
    import jsonschema  # 0.05 s of CPU to import: only when such a file is read

    try:
        data = json.loads(text)
        jsonschema.validate(data, SCHEMA)
    except json.JSONDecodeError as exc:
        raise InvalidOption(f"{source} is not JSON: {exc}") from None
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "top level"
        raise InvalidOption(f"{source} is not diarization JSON ({where}: {exc.message}).") from None
    turns = [SpeakerTurn(seconds(s["start"]), seconds(s["stop"]), s["speaker"]) for s in data["segments"]]
    return SpeakerTimeline(turns, data["speakers"]["embeddings"])


def letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (spreadsheet column names)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def clock(value: float) -> str:
    """H:MM:SS.ffffff."""
    return text_clock(value, 6, hour_width=1)


def seconds(text: str) -> float:
    hours, minutes, secs = TIME.match(text).groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(secs)
