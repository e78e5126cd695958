"""identify: speakers whose voice matches one enrolled in the voice library take its name; then the names given
with --speaker-names. Not cached: the library changes between runs."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

from ..document import Document
from ..speakers import apply_names
from .base import Report, StageContext


@dataclass
class Identities:
    matches: list[dict] = field(default_factory=list)
    """{"label", "name", "score"} per identified speaker."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Identities:
        return cls(list(data["matches"]))


class IdentifyStage:
    name = "identify"
    version = "1"
    cached = False
    decode = staticmethod(Identities.from_dict)

    def params(self, context: StageContext) -> None:
        return None

    def run(self, context: StageContext, progress: Report) -> Identities:
        from ..voices import identify_speakers

        speakers = context.options.speakers
        scratch = copy.copy(context.document)
        scratch.speakers = copy.deepcopy(context.document.speakers)
        found = identify_speakers(scratch, speakers.library, speakers.voice_threshold)
        progress(1.0)
        return Identities([{"label": f.label, "name": f.name, "score": f.score} for f in found])

    def apply(self, document: Document, result: Identities) -> None:
        for match in result.matches:
            speaker = document.speakers[match["label"]]
            speaker.name, speaker.identity_score = match["name"], match["score"]


def name_speakers(document: Document, names: tuple[tuple[str, str], ...]) -> None:
    """--speaker-names, applied after identification (a name given by hand wins)."""
    apply_names(document, names)
