"""The one entry point: castscript run | demo | models | eval | serve | worker | watch | speakers | edit | bench.

Each sub-command lives in its own module with ``register(subparsers)``; errors the user can fix print a message and
exit with the error's code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from .. import __version__
from ..core.errors import CastscriptError
from ..memory import tune_malloc

COMMAND_MODULES = ["run", "demo", "models_cmd", "bench_cmd", "speakers_cmd", "edit_cmd", "serve", "eval_cmd", "check_cmd"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="castscript", description="Speaker-attributed, translated scripts and subtitles from any video or audio."
    )
    parser.add_argument("--version", action="version", version=f"castscript {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    tune_malloc()
    try:
        args = build_parser().parse_args(argv)  # flag defaults read settings, which may be malformed
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
