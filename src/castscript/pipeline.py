"""Stage orchestration: probe -> decode -> ASR | diarization -> attribution -> translation -> faces -> outputs -> burn.

Media is decoded once; each model stage's result is cached by the content hash of the media plus its options, so a
re-run with only a new translation target or output style reuses ASR and diarization.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .asr import AsrOptions, AsrResult, transcribe
from .cache import StageCache, media_fingerprint, stage_key
from .document import Document, MediaInfo, Segment, Word
from .errors import InvalidOption
from .media import decode_audio, probe
from .progress import NullProgress, Progress
from .subtitles import OutputOptions, write_outputs
from .subtitles.formats import check_formats

log = logging.getLogger(__name__)

DEFAULT_FORMATS = ("srt", "vtt", "txt", "json")


@dataclass(frozen=True)
class SpeakerOptions:
    enabled: bool = True
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    names: tuple[tuple[str, str], ...] = ()
    """(label, name) pairs, e.g. (("SPEAKER_00", "Anna"),)."""
    identify: bool = False
    """Label speakers that match a voice enrolled in the voice library."""
    library: str | None = None
    """Voice library path (default: CASTSCRIPT_VOICES or ~/.local/share/castscript/voices.sqlite)."""

    def validate(self) -> None:
        for name in ("num_speakers", "min_speakers", "max_speakers"):
            value = getattr(self, name)
            if value is not None and value < 1:
                flag = "--" + name.replace("_", "-")
                raise InvalidOption(f"{flag} must be a positive whole number, got {value}.")
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise InvalidOption(
                f"--min-speakers ({self.min_speakers}) is larger than --max-speakers ({self.max_speakers})."
            )
        if self.enabled and self.identify:
            from .voices import VoiceLibrary

            VoiceLibrary(self.library).require()  # before hours of transcription, not after


@dataclass(frozen=True)
class TranslationOptions:
    targets: tuple[str, ...] = ()
    translator: str = "bergamot"


@dataclass(frozen=True)
class VideoOptions:
    faces: bool | None = None
    """None: analyse faces when burning subtitles into a video."""
    burn: bool = False
    style: str = "live"
    font_size: int | None = None
    max_lines: int = 2


@dataclass(frozen=True)
class PipelineOptions:
    asr: AsrOptions = AsrOptions()
    speakers: SpeakerOptions = SpeakerOptions()
    translation: TranslationOptions = TranslationOptions()
    video: VideoOptions = VideoOptions()
    formats: tuple[str, ...] = DEFAULT_FORMATS
    output: OutputOptions = OutputOptions()
    use_cache: bool = True

    def validate(self) -> None:
        check_formats(list(self.formats))
        self.speakers.validate()


@dataclass
class PipelineResult:
    document: Document
    outputs: list[Path] = field(default_factory=list)
    cached_stages: list[str] = field(default_factory=list)


def run_pipeline(
    input_path: str | Path,
    options: PipelineOptions = PipelineOptions(),
    output_dir: str | Path | None = None,
    progress: Progress | None = None,
    cache: StageCache | None = None,
) -> PipelineResult:
    """Run every stage the options ask for on ``input_path`` and write the outputs into ``output_dir``."""
    progress = progress or NullProgress()
    options.validate()
    input_path = Path(input_path)
    output_dir = Path(output_dir) if output_dir is not None else input_path.parent
    cache = cache or StageCache(enabled=options.use_cache)

    progress.stage("probe")
    media = probe(input_path)
    fingerprint = media_fingerprint(input_path)

    progress.stage("decode")
    audio = decode_audio(input_path, progress=_time_fraction(progress, media.duration))

    document = Document(media=media, task=options.asr.task)
    progress.stage("transcribe")
    asr = _asr_stage(audio, options.asr, fingerprint, cache, progress)
    document.language, document.language_probability = asr.language, asr.language_probability
    document.segments = asr.segments

    if options.speakers.enabled:
        _speaker_stages(document, audio, options.speakers, fingerprint, cache, progress)
    if options.translation.targets:
        _translation_stage(document, audio, options, progress)
    if media.has_video and _wants_faces(options.video):
        _face_stage(document, input_path, fingerprint, cache, progress)

    progress.stage("write")
    outputs = write_outputs(document, output_dir, input_path.stem, list(options.formats), options.output)
    if options.video.burn:
        outputs += _burn_stage(document, input_path, output_dir, options, progress)
    progress.update(1.0)
    return PipelineResult(document=document, outputs=outputs, cached_stages=list(cache.hits))


def _time_fraction(progress: Progress, duration: float):
    return lambda seconds: progress.update(seconds / duration if duration else 1.0)


def _asr_stage(audio: np.ndarray, options: AsrOptions, fingerprint: str, cache: StageCache, progress: Progress) -> AsrResult:
    return cache.get_or_compute(
        "asr",
        stage_key("asr", fingerprint, asdict(options)),
        lambda: transcribe(audio, options, progress=progress.update),
        asdict,
        _decode_asr,
    )


def _decode_asr(data: dict) -> AsrResult:
    segments = [Segment(**{**s, "words": [Word(**w) for w in s["words"]]}) for s in data["segments"]]
    return AsrResult(data["language"], data["language_probability"], segments)


def _speaker_stages(document, audio, options: SpeakerOptions, fingerprint, cache, progress) -> None:
    """Diarization, attribution of words to speakers, voice identification and naming."""
    from .speakers import add_speakers

    progress.stage("diarize")
    add_speakers(document, audio, options, fingerprint, cache, progress)


def _translation_stage(document: Document, audio: np.ndarray, options: PipelineOptions, progress: Progress) -> None:
    """Translations into every target; a failed one is logged and the untranslated outputs are still written."""
    from .errors import TranslationError
    from .translation import translate_document

    progress.stage("translate")
    try:
        translate_document(document, options.translation, asr_options=options.asr, audio=audio, progress=progress.update)
    except TranslationError as exc:
        log.warning("translation failed, writing the outputs without it: %s", exc)


def _wants_faces(options: VideoOptions) -> bool:
    return options.faces if options.faces is not None else options.burn


def _face_stage(document: Document, input_path: Path, fingerprint: str, cache: StageCache, progress: Progress) -> None:
    from .faces import add_faces

    progress.stage("faces")
    add_faces(document, input_path, fingerprint, cache, progress=progress.update)


def _burn_stage(document: Document, input_path: Path, output_dir: Path, options: PipelineOptions, progress: Progress):
    from .render import burn_subtitles

    progress.stage("burn")
    return burn_subtitles(document, input_path, output_dir, options.video, progress=progress.update)
