"""castscript bench [INPUT]: per-stage wall time, real-time factor, CPU time and peak memory of a pipeline run, and with
--compare whole processes timed against plain faster-whisper and the peers installed."""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.settings import settings
from .run import add_pipeline_arguments, options_from_args
from . import add_command

if TYPE_CHECKING:
    from ..benchmark import RunFigures
    from ..pipeline import PipelineOptions


def register(subparsers) -> None:
    parser = add_command(subparsers, "bench")
    parser.add_argument("input", nargs="?", help="media file (default: generate one from the shared media)")
    parser.add_argument("--generate-minutes", type=float, default=10.0, help="length of the generated input")
    parser.add_argument("--media-dir", default=str(settings().media or "../shared/media"),
                        help="shared media folder used to generate the input (CASTSCRIPT_MEDIA)")
    parser.add_argument("--compare", action="store_true",
                        help="also time whole processes on the same file, model and threads, interleaved (A B C, C B A): "
                             "plain faster-whisper batched, castscript's ASR alone, the whole castscript run, and the "
                             "peers installed (sherpa-onnx diarization, WhisperX ASR)")
    parser.add_argument("--compare-rounds", type=int, default=2, help="runs of each fast contender in --compare")
    parser.add_argument("--plain-batch-size", type=int, default=8,
                        help="plain faster-whisper's batch size in --compare (8: its best on the CPU here)")
    parser.add_argument("--peers-python", default=None,
                        help="Python of the peers' environment (default CASTSCRIPT_PEERS_PYTHON or .venv-peers/bin/python; "
                             "benchmarks/setup_peers.sh makes it)")
    parser.add_argument("--compare-sequential", action="store_true",
                        help="also time the same run with its stages one after the other")
    parser.add_argument("--rerun", action="store_true", help="also time a second run that reuses cached stages")
    add_pipeline_arguments(parser)
    parser.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    from ..benchmark import measure_pipeline
    from ..concurrency import threads_or_all
    from ..media import probe

    with tempfile.TemporaryDirectory(prefix="castscript-bench-") as scratch:
        scratch = Path(scratch)
        source = Path(args.input) if args.input else _generated(args, scratch)
        media_seconds = probe(source).duration
        options = options_from_args(args)
        _cold_stage_cache(scratch / "cache")
        print(f"input: {source} ({media_seconds / 60:.1f} min), {threads_or_all()} CPU cores")
        figures = measure_pipeline(source, options, scratch / "out", media_seconds)
        _report(figures, "whole pipeline")
        if args.rerun:
            rerun = measure_pipeline(source, options, scratch / "out", media_seconds)
            print(f"re-run with cached stages: {rerun.wall:.2f} s (cpu {rerun.cpu:.2f} s)")
        if args.compare_sequential:
            sequential = dataclasses.replace(options, parallel=not options.parallel, use_cache=False)
            other = measure_pipeline(source, sequential, scratch / "out-other", media_seconds)
            _report(other, "the same run " + ("one stage after another" if options.parallel else "side by side"))
            side, one_by_one = (figures.wall, other.wall) if options.parallel else (other.wall, figures.wall)
            print(f"side by side / one after another: {side / one_by_one:.2f}")
        if args.compare:
            compare(source, options, scratch, media_seconds, args)
    return 0


def _cold_stage_cache(folder: Path) -> None:
    """Point CASTSCRIPT_CACHE at an empty ``folder`` (so stages really run) that keeps the model cache (the int8
    copies made once per machine are not part of a run's cost)."""
    from ..models import cache_dir

    models = cache_dir()
    folder.mkdir(parents=True)
    if models.is_dir():
        (folder / "models").symlink_to(models, target_is_directory=True)
    os.environ["CASTSCRIPT_CACHE"] = str(folder)


def _report(figures: RunFigures, title: str) -> None:
    from ..benchmark import format_table, side_by_side_summary

    print(f"\n{title}:")
    print(format_table(figures))
    summary = side_by_side_summary(figures)
    if summary:
        print(summary)
    print(f"{title}: {figures.media_seconds / figures.wall:.1f}x real time, peak RSS {figures.peak_rss / 1e6:.0f} MB")


def _generated(args: argparse.Namespace, scratch: Path) -> Path:
    from ..benchmark import generate_long_media
    from ..core.errors import InvalidOption

    media_dir = Path(args.media_dir)
    if not (media_dir / "librispeech-test-other").is_dir() and not (media_dir / "ami-train").is_dir():
        raise InvalidOption(f"No shared media in {media_dir} to generate a benchmark file.",
                            hint="Pass INPUT, or --media-dir / CASTSCRIPT_MEDIA pointing at shared/media.")
    return generate_long_media(scratch / f"generated-{args.generate_minutes:g}min.wav", args.generate_minutes, media_dir)


def compare(source: Path, options: PipelineOptions, scratch: Path, media_seconds: float,
            args: argparse.Namespace) -> None:
    """Whole processes, interleaved, with wall and CPU ratios to plain faster-whisper."""
    from ..benchmark import comparison_contenders, format_comparison, peers_python, ratio_lines, run_interleaved

    contenders, notes = comparison_contenders(source, options, scratch, args.plain_batch_size,
                                              peers_python(args.peers_python))
    print(f"\nwhole processes, interleaved ({args.compare_rounds} rounds, cpu = user + system):")
    results = run_interleaved(contenders, args.compare_rounds)
    print(format_comparison(results, media_seconds))
    for line in ratio_lines(results) + notes:
        print(line)
