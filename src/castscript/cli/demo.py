"""castscript demo: make a two-voice dialogue with espeak-ng and run the whole pipeline on it."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..synthetic import DEMO_LINES, dialogue, write_rttm, write_wav
from .run import add_pipeline_arguments, run_and_report
from . import add_command


def register(subparsers) -> None:
    parser = add_command(subparsers, "demo")
    add_pipeline_arguments(parser)
    parser.set_defaults(func=command, output_dir="castscript-demo")


def command(args: argparse.Namespace) -> int:
    folder = Path(args.output_dir)
    audio, turns = dialogue(DEMO_LINES)
    wav = write_wav(audio, folder / "demo-dialogue.wav")
    write_rttm(turns, folder / "demo-dialogue.reference.rttm", "demo-dialogue")
    print(f"generated {wav} ({len(turns)} lines, 2 voices)")
    code = run_and_report(wav, args)
    txt = folder / "demo-dialogue.txt"
    if code == 0 and txt.is_file():
        print("\n" + txt.read_text(encoding="utf-8"))
    return code
