"""castscript bench [INPUT]: per-stage wall time, real-time factor, CPU time and peak memory of a pipeline run."""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

from ..benchmark import format_table, generate_long_media, measure_pipeline, measure_plain_faster_whisper
from ..cache import StageCache
from ..errors import InvalidOption
from ..media import probe
from .run import add_pipeline_arguments, options_from_args


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="measure speed and memory per stage on a file or a generated one")
    parser.add_argument("input", nargs="?", help="media file (default: generate one from the shared media)")
    parser.add_argument("--generate-minutes", type=float, default=10.0, help="length of the generated input")
    parser.add_argument("--media-dir", default=os.environ.get("CASTSCRIPT_MEDIA", "../shared/media"),
                        help="shared media folder used to generate the input (CASTSCRIPT_MEDIA)")
    parser.add_argument("--compare", action="store_true", help="also time plain faster-whisper on the same file")
    parser.add_argument("--rerun", action="store_true", help="also time a second run that reuses cached stages")
    add_pipeline_arguments(parser)
    parser.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="castscript-bench-") as scratch:
        scratch = Path(scratch)
        source = Path(args.input) if args.input else _generated(args, scratch)
        media_seconds = probe(source).duration
        options = options_from_args(args)
        os.environ["CASTSCRIPT_CACHE"] = str(scratch / "cache")  # a cold cache, so stages really run
        print(f"input: {source} ({media_seconds / 60:.1f} min), {os.cpu_count()} CPU cores")
        figures = measure_pipeline(source, options, scratch / "out", media_seconds)
        print(format_table(figures))
        print(f"whole pipeline: {media_seconds / figures.wall:.1f}x real time, peak RSS {figures.peak_rss / 1e6:.0f} MB")
        if args.rerun:
            started = time.perf_counter()
            measure_pipeline(source, options, scratch / "out", media_seconds)
            print(f"re-run with cached stages: {time.perf_counter() - started:.2f} s")
        if args.compare:
            _compare(source, options, figures, media_seconds)
    return 0


def _generated(args: argparse.Namespace, scratch: Path) -> Path:
    media_dir = Path(args.media_dir)
    if not (media_dir / "ami-train").is_dir():
        raise InvalidOption(f"No shared media in {media_dir} to generate a benchmark file.",
                            hint="Pass INPUT, or --media-dir / CASTSCRIPT_MEDIA pointing at shared/media.")
    return generate_long_media(scratch / f"generated-{args.generate_minutes:g}min.wav", args.generate_minutes, media_dir)


def _compare(source: Path, options, figures, media_seconds: float) -> None:
    plain = measure_plain_faster_whisper(source, dataclasses.replace(options.asr))
    asr = next((s.wall for s in figures.stages if s.name == "transcribe"), None)
    print(f"plain faster-whisper: {plain:.2f} s ({media_seconds / plain:.1f}x real time)")
    if asr:
        print(f"castscript ASR stage / plain faster-whisper: {asr / plain:.2f}")
    try:
        import whisperx  # noqa: F401
    except ImportError:
        print("WhisperX: not installed, not compared")
