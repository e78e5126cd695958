"""castscript bench [INPUT]: per-stage wall time, real-time factor, CPU time and peak memory of a pipeline run."""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

from ..benchmark import (
    RunFigures, format_table, generate_long_media, measure_pipeline, measure_plain_faster_whisper, side_by_side_summary,
)
from ..concurrency import threads_or_all
from ..errors import InvalidOption
from ..media import probe
from ..pipeline import PipelineOptions
from .run import add_pipeline_arguments, options_from_args


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="measure speed and memory per stage on a file or a generated one")
    parser.add_argument("input", nargs="?", help="media file (default: generate one from the shared media)")
    parser.add_argument("--generate-minutes", type=float, default=10.0, help="length of the generated input")
    parser.add_argument("--media-dir", default=os.environ.get("CASTSCRIPT_MEDIA", "../shared/media"),
                        help="shared media folder used to generate the input (CASTSCRIPT_MEDIA)")
    parser.add_argument("--compare", action="store_true",
                        help="also time plain faster-whisper and castscript's ASR alone on the same file and settings "
                             "(each twice, interleaved)")
    parser.add_argument("--compare-sequential", action="store_true",
                        help="also time the same run with its stages one after the other")
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
        print(f"input: {source} ({media_seconds / 60:.1f} min), {threads_or_all()} CPU cores")
        figures = measure_pipeline(source, options, scratch / "out", media_seconds)
        _report(figures, "whole pipeline")
        if args.rerun:
            started = time.perf_counter()
            measure_pipeline(source, options, scratch / "out", media_seconds)
            print(f"re-run with cached stages: {time.perf_counter() - started:.2f} s")
        if args.compare_sequential:
            sequential = dataclasses.replace(options, parallel=not options.parallel, use_cache=False)
            other = measure_pipeline(source, sequential, scratch / "out-other", media_seconds)
            _report(other, "the same run " + ("one stage after another" if options.parallel else "side by side"))
            side, one_by_one = (figures.wall, other.wall) if options.parallel else (other.wall, figures.wall)
            print(f"side by side / one after another: {side / one_by_one:.2f}")
        if args.compare:
            _compare(source, options, scratch, media_seconds)
    return 0


def _report(figures: RunFigures, title: str) -> None:
    print(f"\n{title}:")
    print(format_table(figures))
    summary = side_by_side_summary(figures)
    if summary:
        print(summary)
    print(f"{title}: {figures.media_seconds / figures.wall:.1f}x real time, peak RSS {figures.peak_rss / 1e6:.0f} MB")


def _generated(args: argparse.Namespace, scratch: Path) -> Path:
    media_dir = Path(args.media_dir)
    if not (media_dir / "ami-train").is_dir():
        raise InvalidOption(f"No shared media in {media_dir} to generate a benchmark file.",
                            hint="Pass INPUT, or --media-dir / CASTSCRIPT_MEDIA pointing at shared/media.")
    return generate_long_media(scratch / f"generated-{args.generate_minutes:g}min.wav", args.generate_minutes, media_dir)


def _compare(source: Path, options: PipelineOptions, scratch: Path, media_seconds: float) -> None:
    """Plain faster-whisper against castscript's ASR alone, same model, threads and settings (model loaded first),
    timed in the order plain, castscript, castscript, plain so that a drift in the machine's load cancels out."""
    threads = threads_or_all(options.threads)
    asr = dataclasses.replace(options.asr, cpu_threads=threads)
    asr_only = PipelineOptions(asr=asr, speakers=dataclasses.replace(options.speakers, enabled=False),
                               formats=("json",), use_cache=False, threads=threads)

    def ours() -> float:
        figures = measure_pipeline(source, asr_only, scratch / "out-asr", media_seconds)
        return figures.stage_seconds.get("decode", 0.0) + figures.stage_seconds["transcribe"]

    plain = [measure_plain_faster_whisper(source, asr)]
    castscript = [ours(), ours()]
    plain.append(measure_plain_faster_whisper(source, asr))
    print(f"\nplain faster-whisper (decode + transcribe): {' s, '.join(f'{t:.2f}' for t in plain)} s "
          f"({media_seconds * 2 / sum(plain):.1f}x real time)")
    print(f"castscript ASR alone (decode + transcribe): {' s, '.join(f'{t:.2f}' for t in castscript)} s; "
          f"/ plain faster-whisper: {sum(castscript) / sum(plain):.2f}")
    try:
        import whisperx  # noqa: F401
    except ImportError:
        print("WhisperX: not installed, not compared")
