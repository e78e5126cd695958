"""What `castscript eval` runs: DER of RTTM pairs, or a whole dataset folder run and scored (WER and cpWER too)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from functools import reduce
from pathlib import Path

from ..cache import StageCache
from ..document import Document
from ..core.errors import InvalidOption
from ..evaluation import (
    DerScore, DerSettings, FileScore, WordErrors, annotation, find_dataset, load_rttm, load_uem, score_der, score_file,
)
from ..pipeline import PipelineOptions, run_pipeline, run_speaker_stages
from ..core.progress import terminal_progress_or_null
from ..subtitles.speaker_formats import read_diarization_json
from .run import options_from_args

TOTAL = "TOTAL"


def command(args: argparse.Namespace) -> int:
    if args.collar < 0:
        raise InvalidOption(f"--collar must be zero or more seconds, got {args.collar}.")
    settings = DerSettings(collar=args.collar, skip_overlap=args.skip_overlap)
    if args.dataset:
        if args.reference or args.hypothesis:
            raise InvalidOption("Give either REF HYP or --dataset DIR, not both.")
        return dataset_command(args, settings)
    if not (args.reference and args.hypothesis):
        raise InvalidOption("castscript eval needs REF HYP (two RTTM files) or --dataset DIR.",
                            hint="Example: castscript eval reference.rttm meeting.rttm")
    return pair_command(args, settings)


def pair_command(args: argparse.Namespace, settings: DerSettings) -> int:
    references = load_rttm(_existing(args.reference))
    hypotheses = _load_hypothesis(Path(_existing(args.hypothesis)), references)
    uems = load_uem(_existing(args.uem)) if args.uem else {}
    scores = {}
    for uri, reference in references.items():
        hypothesis = hypotheses.get(uri, annotation([], uri))
        scores[uri] = score_der(reference, hypothesis, settings, uems.get(uri))
    print(f"settings: {settings.describe()}")
    if len(scores) > 1:
        for uri, score in scores.items():
            print(f"{uri}: DER {100 * score.der:.2f} %")
    print_breakdown(reduce(DerScore.__add__, scores.values(), DerScore()))
    return 0


def _load_hypothesis(path: Path, references: dict) -> dict:
    """File id -> hypothesis; a one-file hypothesis is compared with a one-file reference whatever its file id."""
    if path.suffix.lower() == ".json":
        hypotheses = {"": annotation(read_diarization_json(path.read_text(encoding="utf-8"), str(path)).turns)}
    else:
        hypotheses = load_rttm(path)
    if len(hypotheses) == 1 and len(references) == 1:
        return {next(iter(references)): next(iter(hypotheses.values()))}
    if path.suffix.lower() == ".json":
        raise InvalidOption(f"{path} is diarization JSON (one file) but the reference has {len(references)} files.",
                            hint="Compare against an RTTM reference for that one file.")
    return hypotheses


def print_breakdown(score: DerScore) -> None:
    for name, value in score.percentages().items():
        print(f"  {name:<12} {value:6.2f} %")
    print(f"  reference speech {score.total:.2f} s")


def dataset_command(args: argparse.Namespace, settings: DerSettings) -> int:
    items = find_dataset(args.dataset)
    options = options_from_args(args)
    options = replace(options, formats=options.formats if args.output_dir else ())
    cache = StageCache(enabled=options.use_cache)
    print(f"settings: {settings.describe()}; {len(items)} file(s) in {args.dataset}")
    print(f"{'file':<20} {'ref':>3} {'hyp':>3} {'DER %':>7} {'miss %':>7} {'FA %':>7} {'conf %':>7} {'WER %':>7} {'cpWER %':>8}")
    scores = []
    for item in items:
        with terminal_progress_or_null(args.quiet) as progress:
            document = _run(item.audio, options, item.stm is not None, args.output_dir, cache, progress)
        scores.append(score_file(item, document.turns, document.segments, settings))
        print(_row(scores[-1]))
    print(_row(_totals(scores)))
    return 0


def _run(audio: Path, options: PipelineOptions, transcribe: bool, output_dir, cache, progress) -> Document:
    """The whole pipeline when text is scored too, else only its speaker stages."""
    if transcribe or output_dir:
        return run_pipeline(audio, options, output_dir, progress=progress, cache=cache).document
    return run_speaker_stages(audio, options, progress, cache)


def _row(score: FileScore) -> str:
    parts = score.der.percentages()
    wer = f"{100 * score.wer.rate:7.2f}" if score.wer else f"{'-':>7}"
    cpwer = f"{100 * score.cpwer.rate:8.2f}" if score.cpwer else f"{'-':>8}"
    counts = f"{score.reference_speakers:>3} {score.found_speakers:>3}" if score.uri != TOTAL else " " * 7
    return (f"{score.uri:<20} {counts} {parts['DER']:7.2f} "
            f"{parts['missed']:7.2f} {parts['false alarm']:7.2f} {parts['confusion']:7.2f} {wer} {cpwer}")


def _totals(scores: list[FileScore]) -> FileScore:
    def total(name: str) -> WordErrors | None:
        values = [getattr(s, name) for s in scores if getattr(s, name) is not None]
        return reduce(WordErrors.__add__, values) if values else None

    return FileScore(
        TOTAL,
        0,
        0,
        reduce(DerScore.__add__, (s.der for s in scores), DerScore()),
        total("wer"),
        total("cpwer"),
    )


def _existing(path: str) -> str:
    if not Path(path).is_file():
        raise InvalidOption(f"{path} does not exist.", hint="Check the path of the RTTM/UEM/JSON file.")
    return path
