"""The pipeline: the ordered stages of a run and their side-by-side scheduling.

probe -> (transcribe | diarize | faces, side by side; audio decoded once, only when a stage needs it) -> identify ->
translate -> write outputs -> burn. Each stage has one shape (castscript.stages); model stages are cached by the
media's content hash plus their typed parameters, so a re-run with only a new translation target or output style
reuses transcription and diarization. The CLI's run and eval and the service all run through ``run_pipeline``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .cache import StageCache, media_fingerprint
from .concurrency import SideBySide, StageTimes, threads_or_all
from .core.errors import InvalidOption, TranslationError
from .core.options import DEFAULT_FORMATS, AsrOptions, OutputOptions, SpeakerOptions, TranslationOptions, VideoOptions
from .core.progress import NullProgress, Progress
from .core.settings import settings
from .document import Document, MediaInfo
from .media import probe
from .stages import (
    AudioSource,
    BurnStage,
    Cuts,
    CutsStage,
    DiarizeStage,
    FacesStage,
    IdentifyStage,
    Runtime,
    StageContext,
    TranscribeStage,
    TranslateStage,
    cached_result,
    name_speakers,
    run_and_store,
    store,
)
from .subtitles import write_outputs
from .subtitles.formats import check_formats

__all__ = ["DEFAULT_FORMATS", "AsrOptions", "PipelineOptions", "PipelineResult", "SpeakerOptions",
           "TranslationOptions", "VideoOptions", "run_pipeline"]

log = logging.getLogger(__name__)

TRANSCRIBE, DIARIZE, FACES, CUTS = TranscribeStage(), DiarizeStage(), FacesStage(), CutsStage()
IDENTIFY, TRANSLATE, BURN = IdentifyStage(), TranslateStage(), BurnStage()
DIARIZE_NICE = 10
"""Diarization's priority below the ASR's when both run side by side (see ``_yielding``)."""
STAGES = (TRANSCRIBE, DIARIZE, FACES, CUTS, IDENTIFY, TRANSLATE, BURN)
"""Every stage, in the order their results are applied to the document."""


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
        """Every option, before any media is decoded: InvalidOption (exit 2), or TranslationError (exit 8) for a
        translation this machine cannot do."""
        self.asr.validate()
        self.speakers.validate()
        self.translation.validate(self.asr.task)
        self.video.validate()
        check_formats(list(self.formats))
        self.output.validate()
        if isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 0:
            raise InvalidOption(f"--threads must be 0 (every core) or more, got {self.threads}.")
        if self.speakers.enabled and self.speakers.identify:
            from .voices import VoiceLibrary

            VoiceLibrary(self.speakers.library).require()  # before hours of transcription, not after
        from .translation.stage import check_available

        check_available(self.translation, self.asr.language if self.asr.language != "auto" else None,
                        settings().offline)


@dataclass
class PipelineResult:
    document: Document
    outputs: list[Path] = field(default_factory=list)
    cached_stages: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Wall seconds of each stage that ran (stages run side by side overlap)."""


def run_pipeline(
    input_path: str | Path,
    options: PipelineOptions = PipelineOptions(),
    output_dir: str | Path | None = None,
    progress: Progress | None = None,
    cache: StageCache | None = None,
    media_name: str | None = None,
    media: MediaInfo | None = None,
) -> PipelineResult:
    """Run every stage the options ask for on ``input_path`` and write the outputs into ``output_dir``.

    The document records ``media_name`` as its media's path when given (the service: the name the input was
    submitted under, never the server's folders), else the input's absolute path. ``media``: ``input_path`` already
    probed by the caller (the service, for its time-left estimate), so the file is probed once.

    A translation that fails mid-run (a web service down) still leaves every other output written; the
    TranslationError raised afterwards names the languages missing.
    """
    progress = progress or NullProgress()
    options.validate()
    input_path = Path(input_path)
    output_dir = Path(output_dir) if output_dir is not None else input_path.parent
    cache = cache or StageCache(enabled=options.use_cache)
    times = StageTimes()

    progress.stage("probe")
    media = media or probe(input_path)
    document = Document(media=replace(media, path=media_name) if media_name else media, task=options.asr.task)
    context = StageContext(input_path, media, media_fingerprint(input_path), AudioSource(input_path, media.duration),
                           options, cache, output_dir, document)
    _analyse(context, progress, times)
    if options.speakers.enabled:
        if options.speakers.identify:
            _run_alone(IDENTIFY, context, progress, times)
        name_speakers(document, options.speakers.names)
    failed = _run_alone(TRANSLATE, context, progress, times).error() if options.translation.targets else None

    progress.stage("write")
    outputs = times.timed(
        "write", lambda: write_outputs(document, output_dir, input_path.stem, list(options.formats), options.output)
    )
    if options.video.burn:
        outputs += _run_alone(BURN, context, progress, times).paths
    progress.update(1.0)
    if failed is not None:
        raise TranslationError(f"{failed.message} The other outputs were written ({len(outputs)} files); missing: "
                               f"the translations into {', '.join(_missing(options, document))}.", hint=failed.hint)
    return PipelineResult(document, outputs, list(cache.hits), times.seconds)


def run_speaker_stages(
    input_path: str | Path, options: PipelineOptions, progress: Progress | None = None, cache: StageCache | None = None
) -> Document:
    """Only the speaker stages (diarize, identify, names) of a run, through the same stages, cache, device and
    threads as ``run_pipeline``: for scoring diarization without transcribing."""
    progress = progress or NullProgress()
    options.validate()
    input_path = Path(input_path)
    cache = cache or StageCache(enabled=options.use_cache)
    media = probe(input_path)
    document = Document(media=media, task=options.asr.task)
    context = StageContext(input_path, media, media_fingerprint(input_path), AudioSource(input_path, media.duration),
                           options, cache, input_path.parent, document, _share_threads(options, False))
    times = StageTimes()
    result = cached_result(DIARIZE, context)
    if result is None:
        progress.stage("decode")
        context.audio.samples(progress.update)
        progress.stage(DIARIZE.name)
        result = run_and_store(DIARIZE, context, progress.update)
    DIARIZE.apply(document, result)
    if options.speakers.identify:
        _run_alone(IDENTIFY, context, progress, times)
    name_speakers(document, options.speakers.names)
    return document


def _analyse(context: StageContext, progress: Progress, times: StageTimes) -> None:
    """Transcription, diarization and face analysis, each from the cache or computed, side by side."""
    options, media = context.options, context.media
    with_faces = media.has_video and options.video.wants_faces
    context.runtime = _share_threads(options, with_faces)
    stages = SideBySide(progress, times, options.parallel, media.duration)
    results: dict[str, Any] = {CUTS.name: cached_result(CUTS, context) if media.has_video else None}
    context.cuts = results[CUTS.name].times if results[CUTS.name] else None
    if with_faces:  # starts at once: it reads video frames, not the decoded audio; it finds the shot changes too
        stages.start(FACES.name, lambda report: FACES.run(context, report))
    elif media.has_video and results[CUTS.name] is None:  # shot changes, for subtitle timing
        stages.start(CUTS.name, lambda report: run_and_store(CUTS, context, report))
    audio_work = {}
    for stage in (TRANSCRIBE, DIARIZE) if options.speakers.enabled else (TRANSCRIBE,):
        results[stage.name] = cached_result(stage, context)
        if results[stage.name] is None:
            audio_work[stage.name] = lambda report, stage=stage: run_and_store(stage, context, report)
    if options.parallel and TRANSCRIBE.name in audio_work and DIARIZE.name in audio_work:
        audio_work[DIARIZE.name] = _yielding(audio_work[DIARIZE.name])
    if audio_work:
        progress.stage("decode")
        times.timed("decode", lambda: context.audio.samples(progress.update))
    results.update(stages.finish(audio_work))
    if with_faces and results[CUTS.name] is None:
        results[CUTS.name] = store(CUTS, context, Cuts.of_faces(results[FACES.name]))
    for stage in (TRANSCRIBE, DIARIZE, FACES, CUTS):
        if results.get(stage.name) is not None:
            stage.apply(context.document, results[stage.name])


def _yielding(work):
    """``work`` at a lower CPU priority (nice +10, its own thread only; Linux): beside the ASR, diarization takes the
    moments the ASR leaves a core idle instead of pre-empting its threads. 10 min of speech on 2 cores, interleaved
    runs: at load 8-10, whole pipeline / plain faster-whisper wall 1.29 at the same priority, 1.16 at +5, 1.07 at +10;
    at load 2, 33.0 s at the same priority, 32.9 s at +10, 40.2 s one stage after the other (ASR alone 27.9 s)."""

    def run(report):
        if sys.platform.startswith("linux"):  # per-thread priorities
            thread = threading.get_native_id()
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + DIARIZE_NICE)
        return work(report)

    return run


def _run_alone(stage, context: StageContext, progress: Progress, times: StageTimes):
    progress.stage(stage.name)
    result = times.timed(stage.name, lambda: stage.run(context, progress.update))
    stage.apply(context.document, result)
    return result


def planned_steps(options: PipelineOptions, media: MediaInfo) -> list[str]:
    """The stage ids ``run_pipeline`` reports for ``media``, in order (a job's time-left estimate plans with them)."""
    with_faces = media.has_video and options.video.wants_faces
    analysis = ["faces"] if with_faces else ["cuts"] if media.has_video else []
    analysis += ["transcribe", "diarize"] if options.speakers.enabled else ["transcribe"]
    steps = ["probe", "decode", *(["+".join(analysis)] if options.parallel else analysis)]
    steps += ["identify"] if options.speakers.enabled and options.speakers.identify else []
    steps += ["translate"] if options.translation.targets else []
    return [*steps, "write", *(["burn"] if options.video.burn else [])]


def _share_threads(options: PipelineOptions, with_faces: bool) -> dict[str, Runtime]:
    """Each model stage's threads and device.

    Side by side, ASR keeps every core and diarization gets a quarter (at least one), at a lower priority
    (``_yielding``): CTranslate2 scales with cores, while diarization is mostly single-threaded work between short
    model calls. Measured on 2 cores (6 min of speech): ASR 2 + diarization 1 side by side takes 0.5-0.8 x the
    sequential time; 1 + 1 or 2 + 2 are slower.
    """
    total = threads_or_all(options.threads)
    side_by_side = options.parallel and (options.speakers.enabled or with_faces)
    device = options.asr.device
    return {
        TRANSCRIBE.name: Runtime(options.asr.cpu_threads or total, device),
        DIARIZE.name: Runtime(max(1, total // 4) if side_by_side else total, device),
    }


def _missing(options: PipelineOptions, document: Document) -> list[str]:
    from .translation.base import normalize_language

    wanted = dict.fromkeys(normalize_language(t) for t in options.translation.targets)
    return [t for t in wanted if t not in document.translation_languages]

