"""castscript eval REF HYP | eval --dataset DIR: diarization error rate (and WER / cpWER) against references.

The scoring code (pyannote, jiwer, the pipeline) loads only when the command runs (eval_score.py), so that
``castscript --help`` stays fast.
"""

from __future__ import annotations

import argparse

from .run import add_pipeline_arguments
from . import add_command


def register(subparsers) -> None:
    parser = add_command(subparsers, "eval",
        description="castscript eval REF HYP scores a hypothesis RTTM (or diarization-json) against a reference RTTM. "
        "castscript eval --dataset DIR runs castscript on every audio file of DIR that an RTTM there names, and scores "
        "it (WER and cpWER too where an STM names it); the pipeline options below apply to those runs.",
    )
    parser.add_argument("reference", nargs="?", help="reference RTTM")
    parser.add_argument("hypothesis", nargs="?", help="hypothesis RTTM or diarization-json")
    parser.add_argument("--dataset", help="folder of audio files with RTTM references (and UEM, STM): run and score each")
    parser.add_argument("--collar", type=float, default=0.5,
                        help="total seconds not scored around each reference boundary (default 0.5, i.e. +/-0.25)")
    parser.add_argument("--skip-overlap", action="store_true", help="do not score overlapped reference speech")
    parser.add_argument("--uem", help="UEM file: only score these regions (REF HYP mode)")
    add_pipeline_arguments(parser)
    parser.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    from .eval_score import command as score

    return score(args)
