"""castscript edit JSON: correct a finished transcript (the edits API's operations from a JSON file, or speaker
flags) and re-write every output; edited lines are re-translated, no other model runs again."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..alignment import WhisperAligner
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
from ..subtitles import OutputOptions
from .run import split_list


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "edit", help="correct a finished transcript and re-write its outputs (no ASR or diarization re-run)"
    )
    parser.add_argument("json", help="the NAME.json transcript that castscript run wrote")
    parser.add_argument("--ops", metavar="FILE", default=None, help=(
        "JSON list of operations, applied all or none after the flags below (the body of the edits API also works): "
        + "; ".join(f"{op} {{{', '.join(fields)}}}" for op, fields in OPERATIONS.items())))
    parser.add_argument("--no-align", action="store_true",
                        help="keep proportional word timings for retyped lines (default: align them on the media's "
                             "audio with Whisper when the media file is found, at its path or beside JSON)")
    parser.add_argument("--model", default="base", help="Whisper model for that alignment (default base)")
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
    parser.set_defaults(func=command, edits=[])


def _tagged(kind: str):
    def parse(value: str) -> tuple[str, str]:
        return kind, value

    parse.__name__ = kind
    return parse


def command(args: argparse.Namespace) -> int:
    if not args.edits and not args.ops:
        raise EditError("Nothing to do: give --ops FILE or at least one --rename, --merge or --word-speaker.")
    operations = load_operations(args.ops) if args.ops else []
    document = load_transcript(args.json)
    for kind, value in args.edits:
        print(apply_edit(document, kind, value))
    if operations:
        aligner = None if args.no_align else _aligner(document, Path(args.json), args.model)
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
    return 0


def _aligner(document, json_path: Path, model: str) -> WhisperAligner | None:
    """An aligner on the transcript's media: at its recorded path, else beside the JSON; None if neither exists."""
    recorded = Path(document.media.path)
    media = next((p for p in (recorded, json_path.parent / recorded.name) if p.is_file()), None)
    return WhisperAligner(media, model) if media is not None else None


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
