"""diarize: who speaks when (segmentation, CAM++ embeddings, clustering); words and segments get their speaker."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.options import SPEAKER_ACCURACY
from ..diarization import ENGINE_VERSION, DiarizationOptions, DiarizationResult, diarize
from ..diarization.clustering import ClusteringOptions
from ..document import Document
from ..speakers import apply_diarization
from .base import Report, StageContext


@dataclass(frozen=True)
class DiarizeParams:
    num_speakers: int | None
    min_speakers: int | None
    max_speakers: int | None
    clustering: str
    accuracy: str


class DiarizeStage:
    name = "diarize"
    version = ENGINE_VERSION
    cached = True
    decode = staticmethod(DiarizationResult.from_dict)

    def params(self, context: StageContext) -> DiarizeParams:
        speakers = context.options.speakers
        return DiarizeParams(speakers.num_speakers, speakers.min_speakers, speakers.max_speakers, speakers.clustering,
                             speakers.accuracy)

    def run(self, context: StageContext, progress: Report) -> DiarizationResult:
        params, runtime = self.params(context), context.runtime[self.name]
        settings = DiarizationOptions(num_speakers=params.num_speakers, min_speakers=params.min_speakers,
                                      max_speakers=params.max_speakers, clustering=ClusteringOptions(params.clustering),
                                      step=SPEAKER_ACCURACY[params.accuracy],
                                      threads=runtime.threads, device=runtime.device)
        return diarize(context.audio.samples(), settings, progress=progress)

    def apply(self, document: Document, result: DiarizationResult) -> None:
        apply_diarization(document, result)
