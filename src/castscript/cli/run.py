"""castscript run INPUT: the whole pipeline on one file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import InvalidOption
from ..core.options import (
    CLUSTERING_HELP,
    CLUSTERING_METHODS,
    DEFAULT_FORMATS,
    DEVICES,
    PROFILES,
    STYLES,
    TASKS,
    SPEAKER_ACCURACY,
    VOICE_THRESHOLD,
    AsrOptions,
    CueRules,
    OutputOptions,
    SpeakerOptions,
    TranslationOptions,
    VideoOptions,
    profile_from_options,
)
from ..core.progress import terminal_progress_or_null
from ..core.text import split_list
from ..subtitles.qc import summarize_outputs
from . import add_command

if TYPE_CHECKING:
    from ..pipeline import PipelineOptions

def register(subparsers) -> None:
    parser = add_command(subparsers, "run")
    parser.add_argument("input", help="any media file ffmpeg reads")
    add_pipeline_arguments(parser)
    parser.set_defaults(func=command)


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by run, demo, bench and the watch mode."""
    asr = parser.add_argument_group("transcription")
    asr.add_argument("--language", default="auto", help="spoken language: auto (default) or a code (en, pl, ...)")
    asr.add_argument("--multilingual", action="store_true", help="detect the language of every segment")
    asr.add_argument("--task", choices=TASKS, default=AsrOptions.task,
                     help="translate: any language -> English text with Whisper")
    asr.add_argument("--model", default=AsrOptions.model, help="Whisper model: base (bundled), any faster-whisper name, or a folder")
    asr.add_argument("--device", choices=DEVICES, default=AsrOptions.device, help="where the models run")
    asr.add_argument("--compute-type", default=None, help="CTranslate2 compute type (default int8 on CPU, float16 on CUDA)")
    asr.add_argument("--batch-size", type=int, default=AsrOptions.batch_size,
                     help="ASR batch size (0: 4 on the CPU, 32 on a GPU; 1: sequential decoding)")
    asr.add_argument("--threads", type=int, default=0,
                     help="CPU threads for the models, shared out between stages running side by side (0: all cores)")
    asr.add_argument("--sequential", action="store_true",
                     help="run transcription, diarization and face analysis one after the other, not side by side")

    speakers = parser.add_argument_group("speakers")
    speakers.add_argument("--no-diarize", action="store_true", help="skip speaker diarization")
    speakers.add_argument("--num-speakers", type=int, help="exact number of speakers")
    speakers.add_argument("--min-speakers", type=int, help="at least this many speakers")
    speakers.add_argument("--max-speakers", type=int, help="at most this many speakers")
    speakers.add_argument("--clustering", choices=CLUSTERING_METHODS, default=SpeakerOptions.clustering,
                          help=CLUSTERING_HELP)
    speakers.add_argument("--speaker-accuracy", choices=tuple(SPEAKER_ACCURACY), default=SpeakerOptions.accuracy,
                          help="standard, or high: each moment analysed twice as often (fewer speaker errors, "
                               "diarization half as fast)")
    speakers.add_argument("--speaker-names", default="", help="names for labels, e.g. SPEAKER_00=Anna,SPEAKER_01=Ben")
    speakers.add_argument("--identify", action="store_true", help="label speakers whose voice is enrolled")
    speakers.add_argument("--voices", default=None, help="voice library file (default CASTSCRIPT_VOICES)")
    speakers.add_argument("--voice-threshold", type=float, default=None,
                          help=f"cosine score an enrolled voice must reach (default {VOICE_THRESHOLD}, CASTSCRIPT_VOICE_THRESHOLD)")

    translation = parser.add_argument_group("translation")
    translation.add_argument("--translate-to", default="", help="target languages, e.g. pt or pt,es")
    translation.add_argument("--translator", default=TranslationOptions.translator, help="bergamot (offline, default), whisper (into English), deepl (DEEPL_API_KEY), "
                                  "openai or openai:MODEL (an OpenAI-compatible chat endpoint)")

    video = parser.add_argument_group("video")
    video.add_argument("--burn", action="store_true", help="write VIDEO.castscript.mp4 with burned-in subtitles")
    video.add_argument("--faces", dest="faces", action="store_true", default=None, help="analyse faces in video")
    video.add_argument("--no-faces", dest="faces", action="store_false", help="do not analyse faces")
    video.add_argument("--style", choices=STYLES, default=VideoOptions.style, help="burned subtitle style")
    video.add_argument("--font-size", type=int, default=None, help="burned subtitle font size (px at 1080p)")
    video.add_argument("--max-lines", type=int, default=VideoOptions.max_lines, help="lines per burned subtitle")

    output = parser.add_argument_group("output")
    output.add_argument("-o", "--output-dir", default=None, help="folder for outputs (default: beside the input)")
    output.add_argument("--formats", default=",".join(DEFAULT_FORMATS), help="comma-separated output formats")
    output.add_argument("--bilingual", action="store_true", help="translated subtitles show the original above")
    output.add_argument("--speaker-labels", action="store_true", help="speaker names before subtitle lines (off)")
    output.add_argument("--no-speaker-labels", dest="speaker_labels", action="store_false", help=argparse.SUPPRESS)
    output.add_argument("--subtitle-profile", choices=sorted(PROFILES), default="netflix",
                        help="subtitle rules: netflix (42 chars, 20 cps, 5/6-7 s, 2-frame gaps) or bbc (37, 17 cps); "
                             "the flags below override single values")
    output.add_argument("--start-timecode", default=None,
                        help="programme start of timecoded outputs, e.g. 01:00:00:00")
    output.add_argument("--fps", type=float, default=None, help="frame rate of subtitle timing (default: the video's, "
                                                                "25 for audio)")
    rules = CueRules()
    output.add_argument("--max-line-chars", type=int, help=f"characters per subtitle line ({rules.max_chars_per_line})")
    output.add_argument("--max-cue-lines", type=int, help=f"lines per subtitle cue ({rules.max_lines})")
    output.add_argument("--max-cps", type=float,
                        help=f"reading speed limit, characters per second ({rules.max_chars_per_second:g})")
    output.add_argument("--min-cue-duration", type=float, help=f"seconds ({rules.min_duration:.3g})")
    output.add_argument("--max-cue-duration", type=float, help=f"seconds ({rules.max_duration:g})")
    output.add_argument("--no-cache", action="store_true", help="recompute every stage and translation")


def parse_speaker_names(value: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in split_list(value):
        label, sep, name = item.partition("=")
        if not sep or not label.strip() or not name.strip():
            raise InvalidOption(f"--speaker-names: '{item}' is not LABEL=Name.", hint="Example: SPEAKER_00=Anna,SPEAKER_01=Ben")
        pairs.append((label.strip(), name.strip()))
    return tuple(pairs)


def options_from_args(args: argparse.Namespace) -> PipelineOptions:
    """The pipeline's options from ``run``-style flags, validated (InvalidOption before any decoding)."""
    from ..pipeline import PipelineOptions

    options = PipelineOptions(
        asr=AsrOptions(
            model=args.model, language=args.language, task=args.task, multilingual=args.multilingual,
            device=args.device, compute_type=args.compute_type, batch_size=args.batch_size,
        ),
        speakers=SpeakerOptions(
            enabled=not args.no_diarize, num_speakers=args.num_speakers, min_speakers=args.min_speakers,
            max_speakers=args.max_speakers, names=parse_speaker_names(args.speaker_names), identify=args.identify,
            library=args.voices, voice_threshold=args.voice_threshold, clustering=args.clustering,
            accuracy=args.speaker_accuracy,
        ),
        translation=TranslationOptions(targets=split_list(args.translate_to), translator=args.translator),
        video=VideoOptions(
            faces=args.faces, burn=args.burn, style=args.style, font_size=args.font_size, max_lines=args.max_lines
        ),
        formats=split_list(args.formats),
        output=OutputOptions(rules=profile_from_options(args.subtitle_profile, args),
                             speaker_labels=args.speaker_labels, bilingual=args.bilingual,
                             start_timecode=args.start_timecode),
        use_cache=not args.no_cache,
        threads=args.threads,
        parallel=not args.sequential,
    )
    options.validate()
    return options


def run_and_report(input_path: str | Path, args: argparse.Namespace) -> int:
    from ..pipeline import run_pipeline

    options = options_from_args(args)
    with terminal_progress_or_null(args.quiet) as progress:
        result = run_pipeline(input_path, options, args.output_dir, progress=progress)
    document = result.document
    speakers = f", {len(document.speakers)} speaker(s)" if options.speakers.enabled else ""
    print(f"{Path(input_path).name}: {document.media.duration:.1f} s, language {document.language}, "
          f"{len(document.segments)} segment(s){speakers}")
    for path in result.outputs:
        print(f"  wrote {path}")
    for line in summarize_outputs(result.outputs, document, options.output):
        print(f"  QC {line}")
    return 0


def command(args: argparse.Namespace) -> int:
    return run_and_report(args.input, args)
