"""Clustering sweep on the dev set's tuning half: the models run once per file (cached), clustering many times.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media nice -n 5 python benchmarks/tune_diarization.py \
        [--half tuning] [--more 7:40] [--holdout 11:60] [--grid ahc distinct ...] [--verbose]

``--degrade phone|reverb|noise`` runs everything on degraded copies (telephone band and 8 kHz with noise at 20 dB SNR;
a 0.5 s RT60 room; noise at 10 dB SNR), to see whether settings chosen on clean read speech hold on harder audio.
``--more SEED:FILES`` adds FILES more tuning-half conversations built with another seed (the same voices and
utterances as the tuning half, never the test half's), so a setting is judged on more than 25 files; ``--holdout``
adds some that are scored apart, to confirm on files a choice was not made on. Prints per configuration and part:
total DER at collar 0.5 and 0 (overlap scored), speaker count exact / within one / over / under.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import scipy.signal

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devset  # noqa: E402
from diarization import Item, items  # noqa: E402

from castscript.diarization import DiarizationOptions, Diarizer  # noqa: E402
from castscript.diarization.clustering import ClusteringOptions, VbxOptions  # noqa: E402
from castscript.diarization.embedding import l2_normalise  # noqa: E402
from castscript.diarization.engine import Analysis  # noqa: E402
from castscript.evaluation import DerScore, DerSettings, annotation, load_rttm, score_der  # noqa: E402
from castscript.diarization.segmentation import FRAME_SHIFT, RECEPTIVE_FIELD_SAMPLES  # noqa: E402
from castscript.media import SAMPLE_RATE, decode_audio  # noqa: E402

MODEL_CODE = ("embedding.py", "onnx.py", "pieces.py", "segmentation.py")
"""The diarization modules behind an Analysis: a change to any of them rebuilds the cached analyses."""
COMBINE_ONLY = {"num_speakers", "min_speakers", "max_speakers", "min_clean_seconds", "min_local_seconds", "min_pause",
                "clustering", "threads"}
"""DiarizationOptions that only the clustering and reconstruction read (every other one keys the analyses)."""


def analysis_key(options: DiarizationOptions) -> str:
    package = Path(sys.modules[Diarizer.__module__].__file__).parent
    code = b"".join((package / name).read_bytes() for name in MODEL_CODE)
    models = {k: v for k, v in asdict(options).items() if k not in COMBINE_ONLY}
    return hashlib.sha256(repr(sorted(models.items())).encode() + code).hexdigest()[:10]


def more_items(root: Path, seed: int, files: int) -> list[Item]:
    """``files`` extra tuning-half conversations built with ``seed`` (written once under DEVSET/more/SEED-FILES)."""
    folder = root / "more" / f"{seed}-{files}"
    rttm = folder / "tuning" / "tuning.rttm"
    if not rttm.exists():
        conversations = list(devset.conversations("tuning", files, seed))
        for conversation in conversations:
            conversation.uri = f"s{seed}-{conversation.uri}"
        devset.write_half(folder, "tuning", conversations)
    return [Item(uri, folder / "tuning" / f"{uri}.wav", reference) for uri, reference in sorted(load_rttm(rttm).items())]


def _noisy(audio: np.ndarray, snr: float, rng: np.random.Generator) -> np.ndarray:
    scale = np.sqrt(np.mean(audio**2) / 10 ** (snr / 10))
    return (audio + scale * rng.standard_normal(len(audio))).astype(np.float32)


def _phone(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    band = scipy.signal.butter(4, [300, 3400], btype="band", fs=SAMPLE_RATE, output="sos")
    narrow = scipy.signal.resample_poly(scipy.signal.resample_poly(scipy.signal.sosfilt(band, audio), 1, 2), 2, 1)
    return _noisy(narrow[: len(audio)], 20, rng)


def _reverb(audio: np.ndarray, rng: np.random.Generator, rt60: float = 0.5) -> np.ndarray:
    """Convolved with a direct path and an exponentially decaying noise tail (60 dB down after ``rt60`` seconds)."""
    t = np.arange(int(1.2 * rt60 * SAMPLE_RATE)) / SAMPLE_RATE
    response = rng.standard_normal(len(t)) * np.exp(-6.9 * t / rt60)
    response[0] = 1.0
    wet = scipy.signal.fftconvolve(audio, response)[: len(audio)]
    return (wet * np.abs(audio).max() / max(np.abs(wet).max(), 1e-9)).astype(np.float32)


DEGRADATIONS = {"phone": _phone, "reverb": _reverb, "noise": lambda audio, rng: _noisy(audio, 10, rng)}


def analyses(root: Path, files: list[Item], diarizer: Diarizer, degrade: str | None = None) -> list[tuple[Item, Analysis]]:
    """(item, analysis) per file; analyses cached under DEVSET/analysis, keyed by the piece options, the code and the
    degradation (each file's is seeded by its name)."""
    folder = root / "analysis" / (analysis_key(diarizer.options) + (f"-{degrade}" if degrade else ""))
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for item in files:
        path = folder / f"{item.uri}.pkl"
        if path.exists():
            analysis = pickle.loads(path.read_bytes())
        else:
            audio = decode_audio(item.audio)
            if degrade:
                seed = int.from_bytes(hashlib.sha256(item.uri.encode()).digest()[:4], "little")
                audio = DEGRADATIONS[degrade](audio, np.random.default_rng(seed))
            analysis = diarizer.analyse(audio)
            path.write_bytes(pickle.dumps(analysis))
        out.append((item, analysis))
    return out


def score(diarizer: Diarizer, files: list[tuple[Item, Analysis]], options: DiarizationOptions, verbose: bool = False) -> str:
    diarizer.options = options
    totals = {0.5: DerScore(), 0.0: DerScore()}
    exact = within = over = under = 0
    for item, analysis in files:
        result = diarizer.combine(analysis)
        hypothesis = annotation(result.turns, item.uri)
        for collar in totals:
            totals[collar] = totals[collar] + score_der(item.reference, hypothesis, DerSettings(collar=collar), item.uem)
        found, truth = len(result.labels), len(item.reference.labels())
        exact, within = exact + (found == truth), within + (abs(found - truth) <= 1)
        over, under = over + (found > truth), under + (found < truth)
        if verbose and found != truth:
            print(f"    {item.uri:<14} ref {truth} found {found}")
    n = len(files)
    return (f"DER c0.5 {100 * totals[0.5].der:6.2f}  c0 {100 * totals[0.0].der:6.2f}  exact {exact}/{n} "
            f"({100 * exact / n:.0f} %) within one {100 * within / n:.0f} %  over {over} under {under}")


GRIDS = {
    "spectral": [ClusteringOptions(method="spectral")],
    "ahc": [ClusteringOptions(method="ahc", threshold=t) for t in (0.40, 0.42, 0.44, 0.46, 0.48, 0.50)],
    "distinct": [ClusteringOptions(method="ahc", distinct=((1.5, mid), (0.5, small))) for mid in (0.7, 0.8, 0.9)
                 for small in (0.9, 0.92, 0.95)] + [ClusteringOptions(method="ahc", distinct=())],
    "size": [ClusteringOptions(method="ahc", min_speaker_seconds=s) for s in (1.5, 2.0, 3.0, 5.0)],
    "centred": [ClusteringOptions(method="spectral", centre=True)]
    + [ClusteringOptions(method="ahc", threshold=t, centre=True) for t in (0.5, 0.6, 0.7)],
    "vbx": [ClusteringOptions(threshold=start, vbx=VbxOptions(fa=fa, fb=fb))
            for start in (0.41, 0.44, 0.5) for fa in (0.1, 0.15, 0.2, 0.25, 0.3, 0.5) for fb in (0.5, 1.0, 2.0)]
    + [ClusteringOptions(vbx=VbxOptions(min_prior=p)) for p in (1e-2, 3e-2)]
    + [ClusteringOptions(vbx=VbxOptions(phi=phi)) for phi in (0.5, 2.0)],
}
ENGINE_GRIDS = {"clean": [{"min_clean_seconds": s} for s in (0.5, 0.75, 1.0)]}


def voiced_pieces(files: list[tuple[Item, Analysis]]):
    """Per piece of every file: its embedding, clean seconds and the share of its frames each reference voice fills
    ({voice: share}; AMI names its speakers per meeting, LibriSpeech voices keep their name across files)."""
    for item, analysis in files:
        voices = {label: item.reference.label_timeline(label).support() for label in item.reference.labels()}
        for piece, vector in zip(analysis.collection.pieces, analysis.collection.vectors):
            window = analysis.windows[piece.window]
            frames = window.first_frame + piece.start + np.flatnonzero(window.activity[piece.start : piece.end, piece.local])
            times = frames * FRAME_SHIFT + RECEPTIVE_FIELD_SAMPLES / SAMPLE_RATE / 2
            if len(times):
                shares = {v: float(np.mean([support.overlapping(t) != [] for t in times])) for v, support in voices.items()}
                yield vector, piece.clean_seconds, shares


def spread(files: list[tuple[Item, Analysis]], least_clean: float = 1.0, purity: float = 0.95) -> str:
    """Within-speaker and total variance (covariance traces) of the CAM++ embeddings of pieces with ``least_clean``
    seconds of clean speech that one voice fills (``purity`` of their frames): VbxOptions.within and phi. Then the
    pieces with no clean speech under two voices (each at least 60 % of the frames): how like each voice they are."""
    pieces = list(voiced_pieces(files))
    pure = [(v, max(s, key=s.get)) for v, clean, s in pieces if clean >= least_clean and max(s.values()) >= purity]
    vectors, speakers = np.array([v for v, _ in pure]), np.array([who for _, who in pure])
    within = sum(((vectors[speakers == s] - vectors[speakers == s].mean(axis=0)) ** 2).sum() for s in set(speakers)) / len(vectors)
    total = ((vectors - vectors.mean(axis=0)) ** 2).sum() / len(vectors)
    centres = {s: l2_normalise(vectors[speakers == s].mean(axis=0, keepdims=True))[0] for s in set(speakers)}
    rows = []
    for vector, clean, shares in pieces:
        both = sorted(shares, key=shares.get)[-2:]
        if clean > 0.2 or len(both) < 2 or shares[both[0]] < 0.6 or not set(both) <= set(centres):
            continue
        louder, hidden = sorted(both, key=lambda s: vector @ centres[s])[::-1]
        residual = l2_normalise((vector - (vector @ centres[louder]) * centres[louder])[None])[0]
        others = [s for s in centres if s not in both]
        ranked = sorted((s for s in centres if s != louder), key=lambda s: -(residual @ centres[s]))
        rows.append((vector @ centres[hidden], max(vector @ centres[s] for s in others), ranked[0] == hidden, len(ranked)))
    hidden_sim, third_sim, first, candidates = np.array(rows).mean(axis=0) if rows else (np.nan,) * 4
    return (f"{len(vectors)} pieces of {len(set(speakers))} voices: within-speaker variance {within:.3f}, total "
            f"{total:.3f}; {len(rows)} pieces heard only under two voices: cosine to the quieter voice {hidden_sim:.2f}, "
            f"to the best voice not in them {third_sim:.2f}; with the louder voice subtracted the quieter is ranked first "
            f"in {100 * first:.0f} % (chance {100 / candidates:.0f} %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=devset.DEFAULT_OUT)
    parser.add_argument("--half", default="tuning")
    parser.add_argument("--more", action="append", default=[], help="SEED:FILES more tuning-half conversations to tune on (e.g. 7:40; repeatable)")
    parser.add_argument("--holdout", action="append", default=[], help="SEED:FILES more tuning-half conversations scored apart, to confirm a choice")
    parser.add_argument("--grid", nargs="+", default=list(GRIDS) + list(ENGINE_GRIDS))
    parser.add_argument("--degrade", choices=sorted(DEGRADATIONS), help="run on degraded copies of the files")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--spread", action="store_true", help="also print the within-speaker spread of the tuning part's embeddings")
    args = parser.parse_args()
    if (args.more or args.holdout) and args.half != "tuning":
        parser.error("--more and --holdout add tuning-half conversations")
    devset.build(args.devset, text=False)
    diarizer = Diarizer(DiarizationOptions(threads=2))
    parts = {"tune": items(args.devset, args.half) + _more(args.devset, args.more), "held-out": _more(args.devset, args.holdout)}
    parts = {name: analyses(args.devset, files, diarizer, args.degrade) for name, files in parts.items() if files}
    base = diarizer.options

    def show(label: str, options: DiarizationOptions) -> None:
        scores = "  |  ".join(f"{name}: {score(diarizer, files, options, args.verbose)}" for name, files in parts.items())
        print(f"{label}: {scores}", flush=True)

    if args.spread:
        print("spread:", spread(parts["tune"]))
    show("default", base)
    for grid in args.grid:
        for clustering in GRIDS.get(grid, []):
            changed = {k: v for k, v in asdict(clustering).items() if v != asdict(ClusteringOptions())[k]}
            show(f"{grid:<9} {changed or 'default'}", replace(base, clustering=clustering))
        for engine in ENGINE_GRIDS.get(grid, []):
            show(f"{grid:<9} {engine}", replace(base, **engine))


def _more(root: Path, specs: list[str]) -> list[Item]:
    """The extra tuning-half conversations of each SEED:FILES."""
    return [item for spec in specs for item in more_items(root, *(int(x) for x in spec.split(":")))]


if __name__ == "__main__":
    main()
