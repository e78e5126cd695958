"""castscript edit JSON: correct a finished transcript (the edits API's operations from a JSON file, or speaker
flags) and re-write every output; edited lines are re-translated, a burned video found beside the JSON is burned
again (with the faces and shot changes the transcript carries), no other model runs again."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..alignment import WhisperAligner
from ..core.errors import InputNotFound, InvalidOption
from ..core.options import STYLES, VideoOptions
from ..editing import (
    EditError,
    load_transcript,
    merge_speakers,
    rename_speaker,
    rewrite_outputs,
    set_word_speaker,
    word_at,
)
from ..operations import OPERATIONS, apply_operations, load_operations, refresh_translations
from ..pipeline import PipelineOptions
from ..stages.burn import burn_document
from ..subtitles import OutputOptions
from .run import split_list
from . import add_command


def register(subparsers) -> None:
    parser = add_command(subparsers, "edit")
    parser.add_argument("json", help="the NAME.json transcript that castscript run wrote")
    parser.add_argument("--ops", metavar="FILE", default=None, help=(
        "JSON list of operations, applied all or none after the flags below (the body of the edits API also works): "
        + "; ".join(f"{op} {{{', '.join(fields)}}}" for op, fields in OPERATIONS.items())))
    parser.add_argument("--no-align", action="store_true",
                        help="keep proportional word timings for retyped lines (default: align them on the media's "
                             "audio with Whisper when the media file is found, at its path or beside JSON)")
    parser.add_argument("--model", default=None,
                        help=f"Whisper model for that alignment (default {WhisperAligner.model})")
    parser.add_argument("--media", default=None, help="the run's input media (default: its recorded path, else the "
                                                      "file of that name beside JSON); for alignment and re-burning")
    parser.add_argument("--translator", default="bergamot",
                        help="re-translates the edited lines (bergamot, deepl, openai[:MODEL]; default bergamot)")
    edits = parser.add_argument_group("edits (applied in the order given)")
    edits.add_argument("--rename", dest="edits", action="append", type=_tagged("rename"), metavar="SPEAKER=NAME",
                       help="name a speaker, e.g. SPEAKER_00=Anna")
    edits.add_argument("--merge", dest="edits", action="append", type=_tagged("merge"), metavar="A,B[,...]",
                       help="make several speakers one (kept under the first)")
    edits.add_argument("--word-speaker", dest="edits", action="append", type=_tagged("word"), metavar="SECONDS=SPEAKER",
                       help="give the word spoken at SECONDS to SPEAKER, e.g. 12.4=Ben")
    parser.add_argument("--formats", default=None, help="formats to write (default: those found beside JSON)")
    parser.add_argument("-o", "--output-dir", default=None, help="folder for the outputs (default: beside JSON)")
    parser.add_argument("--bilingual", action="store_true", help="translated subtitles show the original above")
    parser.add_argument("--speaker-labels", action="store_true", help="speaker names before subtitle lines (off)")
    parser.add_argument("--no-speaker-labels", dest="speaker_labels", action="store_false", help=argparse.SUPPRESS)
    video = parser.add_argument_group("burned video (re-rendered when NAME.castscript.mp4 is beside JSON)")
    video.add_argument("--style", choices=STYLES, default=None, help=f"the run's --style (default {VideoOptions.style})")
    video.add_argument("--font-size", type=int, default=None, help="the run's --font-size")
    video.add_argument("--max-lines", type=int, default=None,
                       help=f"the run's --max-lines (default {VideoOptions.max_lines})")
    parser.set_defaults(func=command, edits=[])


def _tagged(kind: str):
    def parse(value: str) -> tuple[str, str]:
        return kind, value

    parse.__name__ = kind
    return parse


def command(args: argparse.Namespace) -> int:
    if not args.edits and not args.ops:
        raise EditError("Nothing to do: give --ops FILE or at least one --rename, --merge or --word-speaker.")
    video = _video_options(args)
    operations = load_operations(args.ops) if args.ops else []
    document = load_transcript(args.json)
    align_on = _alignment_media(args, operations, document, burns=video is not None)
    for kind, value in args.edits:
        print(apply_edit(document, kind, value))
    if operations:
        aligner = WhisperAligner(align_on, args.model or WhisperAligner.model) if align_on is not None else None
        edited = apply_operations(document, operations, translator=None, aligner=aligner)
        document = edited.document
        for summary in edited.summaries:
            print(summary)
    if made := refresh_translations(document, args.translator):
        print(f"re-translated {made} edited line(s)")
    options = OutputOptions(speaker_labels=args.speaker_labels, bilingual=args.bilingual)
    formats = list(split_list(args.formats)) if args.formats is not None else None
    for path in rewrite_outputs(document, args.json, formats, args.output_dir, options):
        print(f"  wrote {path}")
    if video is not None:
        for path in reburn(document, Path(args.json), args.media, video, options, args.output_dir):
            print(f"  burned {path}")
    return 0


def _media(document, json_path: Path, given: str | None) -> Path | None:
    """The transcript's media: ``given``, else at its recorded path, else beside the JSON; None if none exists."""
    if given is not None:
        if not Path(given).is_file():
            raise InputNotFound(f"No media file at {given}.")
        return Path(given)
    recorded = Path(document.media.path)
    return next((p for p in (recorded, json_path.parent / recorded.name) if p.is_file()), None)


def _alignment_media(args: argparse.Namespace, operations: list, document, burns: bool) -> Path | None:
    """The media to align retyped lines on (None: no alignment), checked before any work; --no-align, --model and
    --media where they cannot have any effect are refused rather than ignored."""
    json_path = Path(args.json)
    retyped = any(operation.op == "set_text" for operation in operations)
    if not retyped:
        off = ("no set_text in --ops retypes a line" if operations else "without --ops no line is retyped") + \
            ", so none is aligned"
    else:
        off = "--no-align turns the alignment off" if args.no_align else None
    ignored = {}
    if args.no_align and not retyped:
        ignored["--no-align"] = off
    if off is not None and args.model is not None:
        ignored["--model"] = off
    if off is not None and args.media is not None and not burns:
        ignored["--media"] = f"{off}, and there is no {_burned_video(json_path).name} beside {json_path.name} to burn"
    if ignored:
        by_reason = {why: [flag for flag in ignored if ignored[flag] == why] for why in ignored.values()}
        reasons = [f"{', '.join(flags)} would have no effect: {why}" for why, flags in by_reason.items()]
        raise InvalidOption("; ".join(reasons) + ".", hint="Leave them out.")
    media = _media(document, json_path, args.media)  # a --media that is not there is named before any work
    if off is not None:
        return None
    if media is None and args.model is not None:
        raise InvalidOption(f"--model would have no effect: the media to align on is neither at {document.media.path} "
                            f"nor beside {json_path.name}.", hint="Pass it with --media FILE.")
    return media


def _burned_video(json_path: Path) -> Path:
    return json_path.parent / f"{json_path.name.removesuffix('.json')}.castscript.mp4"


def _video_options(args: argparse.Namespace) -> VideoOptions | None:
    """The burn options when the run burned a video (NAME.castscript.mp4 beside the JSON), checked before any work;
    burn flags without such a video are refused rather than ignored."""
    burned = _burned_video(Path(args.json))
    flags = {"--style": args.style, "--font-size": args.font_size, "--max-lines": args.max_lines}
    if not burned.is_file():
        if given := [flag for flag, value in flags.items() if value is not None]:
            raise InvalidOption(f"{', '.join(given)} re-render a burned video, but there is no {burned.name} beside "
                                f"{Path(args.json).name}.", hint="Leave them out, or edit the transcript of a run "
                                "made with --burn.")
        return None
    video = VideoOptions(burn=True, style=args.style or VideoOptions.style, font_size=args.font_size,
                         max_lines=VideoOptions.max_lines if args.max_lines is None else args.max_lines)
    video.validate()
    return video


def reburn(document, json_path: Path, media: str | None, video: VideoOptions, options: OutputOptions,
           output_dir: str | None) -> list[Path]:
    """Burn the edited transcript again into the run's media."""
    found = _media(document, json_path, media)
    if found is None:
        raise InputNotFound(
            f"The text outputs were written, but {_burned_video(json_path).name} could not be burned again: the media "
            f"is neither at {document.media.path} nor beside {json_path.name}.", hint="Pass it with --media FILE.")
    run = PipelineOptions(video=video, output=options)
    return burn_document(document, found, Path(output_dir) if output_dir else json_path.parent, run,
                         lambda _fraction: None).paths


def apply_edit(document, kind: str, value: str) -> str:
    """Apply one command-line edit; return what was done."""
    if kind == "merge":
        keys = list(split_list(value))
        label = merge_speakers(document, keys)
        return f"merged {', '.join(keys)} into {label}"
    left, sep, right = value.partition("=")
    if not sep or not left.strip() or not right.strip():
        example = "SPEAKER_00=Anna" if kind == "rename" else "12.4=Ben"
        raise EditError(f"--{'rename' if kind == 'rename' else 'word-speaker'}: '{value}' is not of the form {example}.")
    if kind == "rename":
        label = rename_speaker(document, left.strip(), right.strip())
        return f"renamed {label} to {right.strip()}"
    try:
        seconds = float(left)
    except ValueError:
        raise EditError(f"--word-speaker: '{left}' is not a time in seconds.", hint="e.g. --word-speaker 12.4=Ben") from None
    ref = word_at(document, seconds)
    word = document.segments[ref.segment].words[ref.word]
    label = set_word_speaker(document, ref, right.strip())
    return f"gave '{word.text}' ({word.start:.2f} s) to {document.speaker_name(label)}"
