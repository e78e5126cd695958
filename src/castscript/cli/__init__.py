"""The one entry point: castscript run | demo | models | eval | serve | worker | watch | speakers | edit | bench.

Each sub-command lives in its own module with ``register(subparsers)``; only the module of the command given is
imported (``castscript run`` never loads the service, the web app or OpenCV), the others are listed by name and help
line from ``COMMANDS``. Errors the user can fix print a message and exit with the error's code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from .. import __version__
from ..core.errors import CastscriptError
from ..memory import tune_malloc

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "transcribe (and diarize, translate, burn) one media file"),
    "demo": ("demo", "generate a short two-speaker dialogue and run the pipeline on it"),
    "models": ("models_cmd", "list models and where they resolve, or fetch them for offline use"),
    "bench": ("bench_cmd", "measure speed and memory per stage on a file or a generated one"),
    "speakers": ("speakers_cmd", "enrol known voices so runs with --identify name the speakers"),
    "edit": ("edit_cmd", "correct a finished transcript and re-write its outputs (no ASR or diarization re-run)"),
    "serve": ("serve", "job API + web UI (embedded workers, or Celery with --broker)"),
    "worker": ("serve", "Celery worker running jobs for `serve --broker`"),
    "watch": ("serve", "submit new files in a folder or bucket to a castscript server"),
    "tokens": ("serve", "create, list or revoke API tokens"),
    "eval": ("eval_cmd", "score diarization (DER) against RTTM references, or run and score a whole dataset folder"),
    "check": ("check_cmd", "QC a subtitle file (SRT, WebVTT, TTML, EBU-STL) against a profile"),
}
"""Command -> (module that registers it, its help line in ``castscript --help``), in the order listed there; every
command's parser is made by ``add_command``, which gives it this help line."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command. Given ``command`` (the one on the command line, "" for none), only its module
    is imported and registered in full; the other commands get a bare entry with their help line."""
    parser = argparse.ArgumentParser(
        prog="castscript", description="Speaker-attributed, translated scripts and subtitles from any video or audio."
    )
    parser.add_argument("--version", action="version", version=f"castscript {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = COMMANDS[command][0] if command in COMMANDS else None
    for name, (module, _) in COMMANDS.items():
        if command is None or module == wanted:
            if name not in subparsers.choices:
                importlib.import_module(f"{__name__}.{module}").register(subparsers)
        else:
            add_command(subparsers, name)
    return parser


def add_command(subparsers, name: str, **options) -> argparse.ArgumentParser:
    """The sub-parser of command ``name`` with its help line from ``COMMANDS`` (declared there once)."""
    return subparsers.add_parser(name, help=COMMANDS[name][1], **options)


def requested_command(argv: list[str]) -> str:
    """The command word of ``argv`` (the first argument that is not an option; the global options take no value)."""
    return next((arg for arg in argv if not arg.startswith("-")), "")


def main(argv: list[str] | None = None) -> int:
    tune_malloc()
    try:
        argv = sys.argv[1:] if argv is None else argv
        args = build_parser(requested_command(argv)).parse_args(argv)  # flag defaults read settings, which may be malformed
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
        )
        return args.func(args) or 0
    except CastscriptError as exc:
        print(f"castscript: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("castscript: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
