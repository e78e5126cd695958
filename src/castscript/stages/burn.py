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


def burn_document(document: Document, input_path: Path, output_dir: Path, options, progress: Report) -> Burned:
    """Burn ``document`` (its faces and shot changes included, so no analysis runs again) into ``input_path`` with
    the run's PipelineOptions ``options``: the pipeline's burn stage, and the re-render after an edit."""
    from ..render import burn_subtitles

    return Burned(burn_subtitles(document, Path(input_path), Path(output_dir), options.video, progress=progress,
                                 rules=options.output.rules))


class BurnStage:
    name = "burn"
    version = "1"
    cached = False
    decode = staticmethod(Burned.from_dict)

    def params(self, context: StageContext) -> None:
        return None

    def run(self, context: StageContext, progress: Report) -> Burned:
        return burn_document(context.document, context.input_path, context.output_dir, context.options, progress)

    def apply(self, document: Document, result: Burned) -> None:
        """Burning changes nothing in the document."""
