"""Clustering sweep on the dev set's tuning half: the models run once per file (cached), clustering many times.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media nice -n 5 python benchmarks/tune_diarization.py \
        [--half tuning] [--grid ahc|spectral|...]

Prints per configuration: total DER at collar 0.5 and 0 (overlap scored), speaker count exact / within one.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from dataclasses import asdict, replace
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
import devset  # noqa: E402
from diarization import items  # noqa: E402

from castscript.diarization import DiarizationOptions, Diarizer  # noqa: E402
from castscript.diarization.clustering import ClusteringOptions  # noqa: E402
from castscript.diarization.engine import Analysis  # noqa: E402
from castscript.evaluation import DerScore, DerSettings, annotation, score_der  # noqa: E402
from castscript.media import decode_audio  # noqa: E402


def analyses(root: Path, half: str, diarizer: Diarizer) -> list[tuple]:
    """(item, analysis) per file; analyses cached under DEVSET/analysis keyed by the piece options."""
    key = hashlib.sha256(repr((diarizer.options.pieces, diarizer.options.step)).encode()).hexdigest()[:10]
    folder = root / "analysis" / key
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for item in items(root, half):
        path = folder / f"{item.uri}.pkl"
        if path.exists():
            analysis = pickle.loads(path.read_bytes())
        else:
            analysis = diarizer.analyse(decode_audio(item.audio))
            path.write_bytes(pickle.dumps(analysis))
        out.append((item, analysis))
    return out


def score(diarizer: Diarizer, files: list[tuple[object, Analysis]], options: DiarizationOptions, verbose: bool = False) -> str:
    diarizer.options = options
    totals = {0.5: DerScore(), 0.0: DerScore()}
    exact = within = 0
    for item, analysis in files:
        result = diarizer.combine(analysis)
        hypothesis = annotation(result.turns, item.uri)
        for collar in totals:
            totals[collar] = totals[collar] + score_der(item.reference, hypothesis, DerSettings(collar=collar), item.uem)
        found, truth = len(result.labels), len(item.reference.labels())
        exact += found == truth
        within += abs(found - truth) <= 1
        if verbose:
            print(f"    {item.uri:<9} ref {truth} found {found}")
    n = len(files)
    return (f"DER c0.5 {100 * totals[0.5].der:6.2f}  c0 {100 * totals[0.0].der:6.2f}  exact {exact}/{n} "
            f"within1 {within}/{n}")


GRIDS = {
    "spectral": [ClusteringOptions(method="spectral")],
    "ahc": [ClusteringOptions(threshold=t, min_speaker_seconds=m) for t in (0.65, 0.7, 0.72, 0.75, 0.78, 0.8, 0.85) for m in (2.0, 3.0, 4.0)],
    "centred": [ClusteringOptions(method="spectral", centre=True)]
    + [ClusteringOptions(threshold=t, centre=True) for t in (0.72, 0.9, 1.0, 1.05, 1.1, 1.2)],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=devset.DEFAULT_OUT)
    parser.add_argument("--half", default="tuning")
    parser.add_argument("--grid", nargs="+", default=list(GRIDS))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    devset.build(args.devset, text=False)
    diarizer = Diarizer(DiarizationOptions(threads=2))
    files = analyses(args.devset, args.half, diarizer)
    base = diarizer.options
    for grid in args.grid:
        for clustering in GRIDS[grid]:
            changed = {k: v for k, v in asdict(clustering).items() if v != asdict(ClusteringOptions())[k]}
            print(f"{grid:<9} {changed or 'default'}: {score(diarizer, files, replace(base, clustering=clustering), args.verbose)}", flush=True)


if __name__ == "__main__":
    main()
