"""burn: the video (or a plain frame for audio) with the subtitles burned in, and the ASS file burned."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..document import Document
from .base import Report, StageContext


@dataclass
class Burned:
    paths: list[Path] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"paths": [str(p) for p in self.paths]}

    @classmethod
    def from_dict(cls, data: dict) -> Burned:
        return cls([Path(p) for p in data["paths"]])


class BurnStage:
    name = "burn"
    version = "1"
    cached = False
    decode = staticmethod(Burned.from_dict)

    def params(self, context: StageContext) -> None:
        return None

    def run(self, context: StageContext, progress: Report) -> Burned:
        from ..render import burn_subtitles

        return Burned(burn_subtitles(context.document, context.input_path, context.output_dir, context.options.video,
                                     progress=progress, rules=context.options.output.rules))

    def apply(self, document: Document, result: Burned) -> None:
        """Burning changes nothing in the document."""
