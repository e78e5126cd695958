"""cuts: shot changes of a video (PySceneDetect, media.scenes), cached by the media's content hash; subtitle cues
neither cross them nor stop just short of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from typing import TYPE_CHECKING

from ..document import Document
from .base import Report, StageContext

if TYPE_CHECKING:
    from ..faces import FaceAnalysis


@dataclass
class Cuts:
    times: list[float] = field(default_factory=list)
    """Seconds of each cut, sorted."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Cuts:
        return cls([float(t) for t in data["times"]])

    @classmethod
    def of_faces(cls, analysis: FaceAnalysis) -> Cuts:
        """The shot changes the face analysis found (the same detector): no second pass over the video."""
        return cls(sorted(analysis.scene_cuts))


@dataclass(frozen=True)
class CutsParams:
    detector: str = "adaptive"


class CutsStage:
    name = "cuts"
    version = "1"
    cached = True
    decode = staticmethod(Cuts.from_dict)

    def params(self, context: StageContext) -> CutsParams:
        return CutsParams()

    def run(self, context: StageContext, progress: Report) -> Cuts:
        from ..media.scenes import detect_cuts

        return Cuts(detect_cuts(context.input_path, progress))

    def apply(self, document: Document, result: Cuts) -> None:
        document.cuts = list(result.times)
