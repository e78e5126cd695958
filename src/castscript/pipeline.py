"""Stage orchestration: probe -> decode -> (ASR | diarization | faces, side by side) -> attribution -> translation
-> outputs -> burn.

Media is decoded once, and only when a stage needs it; each model stage's result is cached by the content hash of the
media plus its options, so a re-run with only a new translation target or output style reuses ASR and diarization.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from .asr import AsrOptions, AsrResult, transcribe
from .cache import StageCache, media_fingerprint, stage_key
from .concurrency import SideBySide, StageTimes, threads_or_all
from .diarization import DiarizationResult, diarize
from .document import Document, MediaInfo, Segment, Word
from .errors import InvalidOption
from .media import decode_audio, probe
from .progress import NullProgress, Progress
from .subtitles import OutputOptions, write_outputs
from .subtitles.formats import check_formats

if TYPE_CHECKING:
    from .faces import FaceAnalysis

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
    voice_threshold: float | None = None
    """Cosine score an enrolled voice must reach (default: CASTSCRIPT_VOICE_THRESHOLD, else the calibrated 0.75)."""

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
        if self.voice_threshold is not None and not -1.0 <= self.voice_threshold <= 1.0:
            raise InvalidOption(f"--voice-threshold is a cosine score in [-1, 1], got {self.voice_threshold}.")
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
    threads: int = 0
    """CPU threads for the model stages together (0: every core); shared out when stages run side by side."""
    parallel: bool = True
    """Run transcription, diarization and face analysis side by side rather than one after the other."""

    def validate(self) -> None:
        check_formats(list(self.formats))
        self.speakers.validate()
        if self.threads < 0:
            raise InvalidOption(f"--threads must be 0 (every core) or more, got {self.threads}.")


@dataclass
class PipelineResult:
    document: Document
    outputs: list[Path] = field(default_factory=list)
    cached_stages: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Wall seconds of each stage that ran (stages run side by side overlap)."""


@dataclass
class _Analyses:
    """What the model stages found: cached or computed."""

    asr: AsrResult
    diarization: DiarizationResult | None = None
    faces: FaceAnalysis | None = None


class AudioSource:
    """The input's audio, decoded once when a stage first needs it (a fully cached re-run never decodes)."""

    def __init__(self, path: Path, duration: float):
        self.path, self.duration = path, duration
        self._samples: np.ndarray | None = None
        self._lock = threading.Lock()

    def samples(self, progress: Callable[[float], None] | None = None) -> np.ndarray:
        with self._lock:
            if self._samples is None:
                seconds = (lambda t: progress(t / self.duration if self.duration else 1.0)) if progress else None
                self._samples = decode_audio(self.path, progress=seconds)
        return self._samples


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
    times = StageTimes()

    progress.stage("probe")
    media = probe(input_path)
    fingerprint = media_fingerprint(input_path)
    audio = AudioSource(input_path, media.duration)

    found = _analyse(input_path, media, fingerprint, audio, options, cache, progress, times)
    document = Document(media=media, task=options.asr.task)
    document.language, document.language_probability = found.asr.language, found.asr.language_probability
    document.segments = found.asr.segments
    if found.diarization is not None:
        from .speakers import apply_diarization

        apply_diarization(document, found.diarization, options.speakers)
    if found.faces is not None:
        from .faces import attach_faces

        attach_faces(document, found.faces)
    if options.translation.targets:
        times.timed("translate", lambda: _translation_stage(document, audio, options, progress))

    progress.stage("write")
    outputs = times.timed(
        "write", lambda: write_outputs(document, output_dir, input_path.stem, list(options.formats), options.output)
    )
    if options.video.burn:
        outputs += times.timed("burn", lambda: _burn_stage(document, input_path, output_dir, options, progress))
    progress.update(1.0)
    return PipelineResult(document, outputs, list(cache.hits), times.seconds)


def _analyse(input_path, media, fingerprint, audio, options, cache, progress, times) -> _Analyses:
    """Transcription, diarization and face analysis, each from the cache or computed, side by side."""
    from .speakers import cached_diarization_result, diarization_key, diarization_options

    asr_options, diarization_threads = _share_threads(options, media.has_video and _wants_faces(options.video))
    asr_key = stage_key("asr", fingerprint, _asr_settings(asr_options))
    stages = SideBySide(progress, times, options.parallel)
    face_work = _face_work(input_path, fingerprint, options, cache) if media.has_video else None
    if face_work is not None:
        stages.start("faces", face_work)
    audio_stages: dict = {}
    asr = cache.load("asr", asr_key, _decode_asr)
    if asr is None:
        audio_stages["transcribe"] = lambda report: cache.store(
            "asr", asr_key, transcribe(audio.samples(), asr_options, progress=report), asdict
        )
    diarization = None
    if options.speakers.enabled:
        settings = diarization_options(options.speakers, diarization_threads, asr_options.device)
        key = diarization_key(settings, fingerprint)
        diarization = cached_diarization_result(cache, key)
        if diarization is None:
            audio_stages["diarize"] = lambda report: cache.store(
                "diarization", key, diarize(audio.samples(), settings, progress=report), DiarizationResult.to_dict
            )
    if audio_stages:
        progress.stage("decode")
        times.timed("decode", lambda: audio.samples(progress.update))
    results = stages.finish(audio_stages)
    return _Analyses(
        asr=results.get("transcribe", asr),
        diarization=results.get("diarize", diarization),
        faces=results.get("faces"),
    )


def _share_threads(options: PipelineOptions, with_faces: bool) -> tuple[AsrOptions, int]:
    """ASR options with their CPU threads, and the diarization threads.

    Side by side, ASR keeps every core and diarization gets a quarter (at least one): CTranslate2 scales with cores,
    while diarization is mostly single-threaded work between short model calls. Measured on 2 cores (6 min of
    speech): ASR 2 + diarization 1 side by side takes 0.5-0.8 x the sequential time; 1 + 1 or 2 + 2 are slower.
    """
    total = threads_or_all(options.threads)
    side_by_side = options.parallel and (options.speakers.enabled or with_faces)
    diarization = max(1, total // 4) if side_by_side else total
    return replace(options.asr, cpu_threads=options.asr.cpu_threads or total), diarization


def _asr_settings(options: AsrOptions) -> dict:
    """The options that change a transcript (thread counts do not)."""
    return {k: v for k, v in asdict(options).items() if k != "cpu_threads"}


def _decode_asr(data: dict) -> AsrResult:
    segments = [Segment(**{**s, "words": [Word(**w) for w in s["words"]]}) for s in data["segments"]]
    return AsrResult(data["language"], data["language_probability"], segments)


def _face_work(input_path: Path, fingerprint: str, options: PipelineOptions, cache: StageCache):
    """Face analysis to run (None when not wanted); a cached analysis is returned at once."""
    if not _wants_faces(options.video):
        return None
    from .faces import cached_face_analysis

    return lambda report: cached_face_analysis(input_path, fingerprint, cache, report)


def _translation_stage(document: Document, audio: AudioSource, options: PipelineOptions, progress: Progress) -> None:
    """Translations into every target; a failed one is logged and the untranslated outputs are still written."""
    from .errors import TranslationError
    from .translation import translate_document

    progress.stage("translate")
    try:
        translate_document(
            document, options.translation, asr_options=options.asr, audio=audio.samples, progress=progress.update,
            use_cache=options.use_cache,
        )
    except TranslationError as exc:
        log.warning("translation failed, writing the outputs without it: %s", exc)


def _wants_faces(options: VideoOptions) -> bool:
    return options.faces if options.faces is not None else options.burn


def _burn_stage(document: Document, input_path: Path, output_dir: Path, options: PipelineOptions, progress: Progress):
    from .render import burn_subtitles

    progress.stage("burn")
    return burn_subtitles(document, input_path, output_dir, options.video, progress=progress.update)
