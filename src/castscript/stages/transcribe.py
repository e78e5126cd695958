"""transcribe: faster-whisper speech recognition into timed segments with words."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from ..asr import AsrResult, transcribe
from ..core.options import AsrOptions
from ..document import Document, Segment, Word
from .base import Report, StageContext


@dataclass(frozen=True)
class TranscribeParams:
    model: str
    language: str | None
    task: str
    multilingual: bool
    compute_type: str | None
    batch_size: int
    beam_size: int
    vad_filter: bool
    initial_prompt: str | None
    block_seconds: float


@dataclass
class Transcript:
    language: str | None
    language_probability: float | None
    segments: list[Segment]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Transcript:
        segments = [Segment(**{**s, "words": [Word(**w) for w in s["words"]]}) for s in data["segments"]]
        return cls(data["language"], data["language_probability"], segments)


class TranscribeStage:
    name = "transcribe"
    version = "1"
    cached = True
    decode = staticmethod(Transcript.from_dict)

    def params(self, context: StageContext) -> TranscribeParams:
        asr: AsrOptions = context.options.asr
        return TranscribeParams(asr.model, asr.language, asr.task, asr.multilingual, asr.compute_type, asr.batch_size,
                                asr.beam_size, asr.vad_filter, asr.initial_prompt, asr.block_seconds)

    def run(self, context: StageContext, progress: Report) -> Transcript:
        runtime = context.runtime[self.name]
        options = replace(context.options.asr, cpu_threads=context.options.asr.cpu_threads or runtime.threads)
        found: AsrResult = transcribe(context.audio.samples(), options, progress=progress)
        return Transcript(found.language, found.language_probability, found.segments)

    def apply(self, document: Document, result: Transcript) -> None:
        document.language, document.language_probability = result.language, result.language_probability
        document.segments = result.segments
