"""castscript run INPUT: the whole pipeline on one file."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..asr import AsrOptions
from ..errors import InvalidOption
from ..pipeline import DEFAULT_FORMATS, PipelineOptions, SpeakerOptions, TranslationOptions, VideoOptions, run_pipeline
from ..progress import terminal_progress_or_null
from ..subtitles import CueRules, OutputOptions
from ..validation import check_language, check_targets


def register(subparsers) -> None:
    parser = subparsers.add_parser("run", help="transcribe (and diarize, translate, burn) one media file")
    parser.add_argument("input", help="any media file ffmpeg reads")
    add_pipeline_arguments(parser)
    parser.set_defaults(func=command)


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by run, demo, bench and the watch mode."""
    asr = parser.add_argument_group("transcription")
    asr.add_argument("--language", default="auto", help="spoken language: auto (default) or a code (en, pl, ...)")
    asr.add_argument("--multilingual", action="store_true", help="detect the language of every segment")
    asr.add_argument("--task", choices=["transcribe", "translate"], default="transcribe",
                     help="translate: any language -> English text with Whisper")
    asr.add_argument("--model", default="base", help="Whisper model: base (bundled), any faster-whisper name, or a folder")
    asr.add_argument("--device", default="auto", help="auto, cpu or cuda")
    asr.add_argument("--compute-type", default=None, help="CTranslate2 compute type (default int8 on CPU, float16 on CUDA)")
    asr.add_argument("--batch-size", type=int, default=0,
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
    speakers.add_argument("--speaker-names", default="", help="names for labels, e.g. SPEAKER_00=Anna,SPEAKER_01=Ben")
    speakers.add_argument("--identify", action="store_true", help="label speakers whose voice is enrolled")
    speakers.add_argument("--voices", default=None, help="voice library file (default CASTSCRIPT_VOICES)")
    speakers.add_argument("--voice-threshold", type=float, default=None,
                          help="cosine score an enrolled voice must reach (default 0.75, CASTSCRIPT_VOICE_THRESHOLD)")

    translation = parser.add_argument_group("translation")
    translation.add_argument("--translate-to", default="", help="target languages, e.g. pt or pt,es")
    translation.add_argument("--translator", default="bergamot", help="bergamot (offline, default), whisper (into English), deepl (DEEPL_API_KEY), "
                                  "openai or openai:MODEL (an OpenAI-compatible chat endpoint)")

    video = parser.add_argument_group("video")
    video.add_argument("--burn", action="store_true", help="write VIDEO.castscript.mp4 with burned-in subtitles")
    video.add_argument("--faces", dest="faces", action="store_true", default=None, help="analyse faces in video")
    video.add_argument("--no-faces", dest="faces", action="store_false", help="do not analyse faces")
    video.add_argument("--style", choices=["live", "classic"], default="live", help="burned subtitle style")
    video.add_argument("--font-size", type=int, default=None, help="burned subtitle font size (px at 1080p)")
    video.add_argument("--max-lines", type=int, default=2, help="lines per burned subtitle")

    output = parser.add_argument_group("output")
    output.add_argument("-o", "--output-dir", default=None, help="folder for outputs (default: beside the input)")
    output.add_argument("--formats", default=",".join(DEFAULT_FORMATS), help="comma-separated output formats")
    output.add_argument("--bilingual", action="store_true", help="translated subtitles show the original above")
    output.add_argument("--no-speaker-labels", action="store_true", help="no speaker prefix in subtitle lines")
    output.add_argument("--max-line-chars", type=int, default=42, help="characters per subtitle line")
    output.add_argument("--max-cue-lines", type=int, default=2, help="lines per subtitle cue")
    output.add_argument("--max-cps", type=float, default=17.0, help="reading speed limit, characters per second")
    output.add_argument("--min-cue-duration", type=float, default=0.8, help="seconds")
    output.add_argument("--max-cue-duration", type=float, default=7.0, help="seconds")
    output.add_argument("--no-cache", action="store_true", help="recompute every stage and translation")


def split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def parse_speaker_names(value: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in split_list(value):
        label, sep, name = item.partition("=")
        if not sep or not label.strip() or not name.strip():
            raise InvalidOption(f"--speaker-names: '{item}' is not LABEL=Name.", hint="Example: SPEAKER_00=Anna,SPEAKER_01=Ben")
        pairs.append((label.strip(), name.strip()))
    return tuple(pairs)


def options_from_args(args: argparse.Namespace) -> PipelineOptions:
    check_language(args.language)
    check_targets(split_list(args.translate_to))
    if args.batch_size < 0:
        raise InvalidOption(f"--batch-size must be 0 (automatic) or more, got {args.batch_size}.")
    rules = CueRules(
        max_chars_per_line=args.max_line_chars,
        max_lines=args.max_cue_lines,
        max_chars_per_second=args.max_cps,
        min_duration=args.min_cue_duration,
        max_duration=args.max_cue_duration,
    )
    if rules.max_chars_per_line < 10 or rules.max_lines < 1 or rules.min_duration > rules.max_duration:
        raise InvalidOption("Subtitle limits are inconsistent: need line chars >= 10, lines >= 1, min <= max duration.")
    return PipelineOptions(
        asr=AsrOptions(
            model=args.model,
            language=args.language,
            task=args.task,
            multilingual=args.multilingual,
            device=args.device,
            compute_type=args.compute_type,
            batch_size=args.batch_size,
        ),
        speakers=SpeakerOptions(
            enabled=not args.no_diarize,
            num_speakers=args.num_speakers,
            min_speakers=args.min_speakers,
            max_speakers=args.max_speakers,
            names=parse_speaker_names(args.speaker_names),
            identify=args.identify,
            library=args.voices,
            voice_threshold=args.voice_threshold,
        ),
        translation=TranslationOptions(targets=split_list(args.translate_to), translator=args.translator),
        video=VideoOptions(
            faces=args.faces, burn=args.burn, style=args.style, font_size=args.font_size, max_lines=args.max_lines
        ),
        formats=split_list(args.formats),
        output=OutputOptions(rules=rules, speaker_labels=not args.no_speaker_labels, bilingual=args.bilingual),
        use_cache=not args.no_cache,
        threads=args.threads,
        parallel=not args.sequential,
    )


def run_and_report(input_path: str | Path, args: argparse.Namespace) -> int:
    options = options_from_args(args)
    with terminal_progress_or_null(args.quiet) as progress:
        result = run_pipeline(input_path, options, args.output_dir, progress=progress)
    document = result.document
    speakers = f", {len(document.speakers)} speaker(s)" if options.speakers.enabled else ""
    print(f"{Path(input_path).name}: {document.media.duration:.1f} s, language {document.language}, "
          f"{len(document.segments)} segment(s){speakers}")
    for path in result.outputs:
        print(f"  wrote {path}")
    return 0


def command(args: argparse.Namespace) -> int:
    return run_and_report(args.input, args)
