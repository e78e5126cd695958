"""Diarization benchmark: castscript beside sherpa-onnx's offline diarizer (the same two ONNX models) on the dev set.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media nice -n 5 python benchmarks/diarization.py \
        [--devset ~/.cache/castscript/devset] [--half test] [--minutes 10] [--accuracy high]

The dev set (benchmarks/devset.py, built on first use) has a tuning half (simulated conversations of 6 voices,
AMI trn01-05) and a test half (other utterances of those voices and 4 voices never heard in tuning, sample.wav).
Per half and system: DER at collar 0.5 s and 0 (overlapped speech scored; AMI with its UEM), JER, speaker count
exact / within one, and speed (x real time, wall clock). sherpa-onnx (``pip install castscript[bench]``) runs with
its default clustering threshold (0.5), once free and once told the true count. The peer is slow (its segmentation
steps 1 s), so its turns and times are kept per file and configuration under DEVSET/peer (sherpa-onnx's version
and the model files in the key); castscript is run afresh every time. --minutes also times castscript alone on a
long input (speed and extra memory).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import psutil
from pyannote.core import Annotation, Timeline
from pyannote.metrics.diarization import JaccardErrorRate

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devset  # noqa: E402

from castscript.core.options import SPEAKER_ACCURACY, SpeakerOptions  # noqa: E402
from castscript.attribution import AttributionOptions, attribute, fragment_cues  # noqa: E402
from castscript.diarization import DiarizationOptions, DiarizationResult, Diarizer  # noqa: E402
from castscript.document import Segment, SpeakerTurn, Word  # noqa: E402
from castscript.evaluation import (  # noqa: E402
    DerScore, DerSettings, WordErrors, annotation, cp_word_errors, load_rttm, load_uem, score_der, speaker_texts,
)
from castscript.media import SAMPLE_RATE, decode_audio  # noqa: E402

MEDIA = devset.MEDIA
MODELS = Path(os.environ.get("CASTSCRIPT_MODELS", MEDIA.parent / "models"))
SEGMENTATION = MODELS / "pyannote-segmentation-3.0" / "model.onnx"
EMBEDDING = MODELS / "campplus-zh-en-common" / "model.onnx"
AMI = [f"trn0{i}" for i in range(1, 6)]
HEARD_ALONE_SECONDS = 1.0
"""A file whose every speaker speaks at least this long with no one else is 'countable': below it, a speaker's only
clean speech is shorter than what a speaker embedding identifies (the count is also reported on these files apart)."""


@dataclass(frozen=True)
class Item:
    uri: str
    audio: Path
    reference: Annotation
    uem: Timeline | None = None


def items(root: Path, half: str) -> list[Item]:
    """The half's simulated conversations, then its real recordings (AMI for tuning, sample.wav for test)."""
    references = load_rttm(root / half / f"{half}.rttm")
    out = [Item(uri, root / half / f"{uri}.wav", ref) for uri, ref in sorted(references.items())]
    if half == "tuning":
        ami = MEDIA / "ami-train"
        refs, uems = load_rttm(ami / "debug.train.rttm"), load_uem(ami / "debug.train.uem")
        out += [Item(uri, ami / f"{uri}.wav", refs[uri], uems[uri]) for uri in AMI]
    else:
        sample = MEDIA / "pyannote-sample"
        out.append(Item("sample", sample / "sample.wav", load_rttm(sample / "sample.rttm")["sample"]))
    return out


@dataclass
class Run:
    """One system's output on one file."""

    turns: list[SpeakerTurn]
    seconds: float


@dataclass
class Tally:
    """One system's figures over a half."""

    der: dict[float, DerScore] = field(default_factory=lambda: {0.5: DerScore(), 0.0: DerScore()})
    jer: list[float] = field(default_factory=list)
    exact: int = 0
    within_one: int = 0
    files: int = 0
    countable: int = 0
    countable_exact: int = 0
    audio_seconds: float = 0.0
    run_seconds: float = 0.0

    def add(self, item: Item, run: Run, duration: float) -> tuple[float, float, int]:
        hypothesis = annotation(run.turns, item.uri)
        for collar in self.der:
            self.der[collar] = self.der[collar] + score_der(item.reference, hypothesis, DerSettings(collar=collar), item.uem)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="'uem' was approximated")  # no UEM: the whole file, as for DER
            self.jer.append(JaccardErrorRate(collar=0.0, skip_overlap=False)(item.reference, hypothesis, uem=item.uem))
        found, truth = len({t.speaker for t in run.turns}), len(item.reference.labels())
        self.exact += found == truth
        self.within_one += abs(found - truth) <= 1
        self.files += 1
        if least_heard_alone(item.reference) >= HEARD_ALONE_SECONDS:
            self.countable += 1
            self.countable_exact += found == truth
        self.audio_seconds += duration
        self.run_seconds += run.seconds
        one = score_der(item.reference, hypothesis, DerSettings(collar=0.5), item.uem).der
        return 100 * one, self.jer[-1] * 100, found

    def row(self, name: str) -> str:
        return (f"  {name:<22} DER c0.5 {100 * self.der[0.5].der:6.2f} %  c0 {100 * self.der[0.0].der:6.2f} %  "
                f"JER {100 * np.mean(self.jer):6.2f} %  count exact {self.exact}/{self.files} "
                f"({100 * self.exact / self.files:.0f} %; {self.countable_exact}/{self.countable} where every speaker "
                f"has {HEARD_ALONE_SECONDS:g} s alone), within one {100 * self.within_one / self.files:.0f} %  "
                f"{self.audio_seconds / max(self.run_seconds, 1e-9):6.1f}x real time")


def least_heard_alone(reference: Annotation) -> float:
    """Seconds of speech with no one else speaking, of the speaker who has the least."""
    overlap = reference.get_overlap()
    return min((reference.label_timeline(label).support().extrude(overlap).duration() for label in reference.labels()),
               default=0.0)


NO_SMOOTHING = AttributionOptions(snap_seconds=0.0, short_words=0, short_seconds=0.0)


@dataclass
class Attribution:
    """Speaker-attributed WER, fragment cues (cut out of running speech) and short lines (any cue of two words or
    fewer under 1 s made by a speaker change, genuine short replies included) over a half, with and without
    smoothing."""

    cpwer: dict[str, WordErrors] = field(default_factory=lambda: {"smoothed": WordErrors(0, 0), "raw": WordErrors(0, 0)})
    fragments: dict[str, int] = field(default_factory=lambda: {"smoothed": 0, "raw": 0})
    short_lines: dict[str, int] = field(default_factory=lambda: {"smoothed": 0, "raw": 0})

    def add(self, words: list[tuple[float, float, str, str]], result: DiarizationResult) -> None:
        """``words``: the reference (start, end, text, speaker) in time order, standing in for ASR output."""
        reference = speaker_texts([(who, text) for _, _, text, who in words])
        for name, options in (("smoothed", AttributionOptions()), ("raw", NO_SMOOTHING)):
            original = asr_like_segments(words)
            segments = attribute(list(original), result.exclusive, result.turns, options)
            hypothesis = speaker_texts([(s.speaker, s.text) for s in segments])
            self.cpwer[name] = self.cpwer[name] + cp_word_errors(reference, hypothesis)
            self.fragments[name] += fragment_cues(original)
            self.short_lines[name] += fragment_cues(original, torn=False)

    def row(self) -> str:
        return "  ".join(f"{name}: cpWER {100 * self.cpwer[name].rate:.2f} %, fragment cues {self.fragments[name]} "
                         f"(short lines {self.short_lines[name]})" for name in self.cpwer)


def asr_like_segments(words: list[tuple[float, float, str, str]]) -> list[Segment]:
    """Words grouped as an ASR would, blind to speakers: a new segment after a sentence end or a 0.8 s pause, or at 10 s."""
    segments: list[list[Word]] = []
    for start, end, text, _ in words:
        last = segments[-1][-1] if segments else None
        if last is None or start - last.end >= 0.8 or last.text.endswith((".", "?", "!")) or end - segments[-1][0].start > 10:
            segments.append([])
        segments[-1].append(Word(start, end, text))
    return [Segment(w[0].start, w[-1].end, " ".join(x.text for x in w), w) for w in segments]


def reference_words(root: Path, half: str) -> dict[str, list[tuple[float, float, str, str]]]:
    """Per simulated file: every placed word (start, end, text, speaker) on the conversation's timeline."""
    transcripts = json.loads((root / "transcripts.json").read_text())
    out: dict[str, list] = {}
    for conversation in json.loads((root / half / "manifest.json").read_text()):
        words = []
        for start, _, who, run in conversation["lines"]:
            at = start
            for uid, begin, end in run:
                words += [(at + s - begin, at + e - begin, w, who) for s, e, w in transcripts[uid] if begin <= (s + e) / 2 < end]
                at += end - begin
        out[conversation["uri"]] = sorted(words)
    return out


def sample_attribution(path: Path, result: DiarizationResult) -> str:
    """cpWER against sample.stm and fragment cues of faster-whisper base's segments attributed to ``result``."""
    from faster_whisper import WhisperModel

    from castscript.evaluation import load_stm

    model = WhisperModel(str(MODELS / "faster-whisper-base"), device="cpu", compute_type="int8", cpu_threads=2)
    raw, _ = model.transcribe(str(path), language="en", beam_size=5, word_timestamps=True)
    segments = [Segment(s.start, s.end, s.text.strip(), [Word(w.start, w.end, w.word.strip()) for w in s.words]) for s in raw]
    reference = speaker_texts([(line.speaker, line.text) for line in load_stm(path.with_suffix(".stm"))["sample"]])
    out = []
    for name, options in (("smoothed", AttributionOptions()), ("raw", NO_SMOOTHING)):
        original = [Segment(s.start, s.end, s.text, [Word(w.start, w.end, w.text) for w in s.words]) for s in segments]
        attributed = attribute(list(original), result.exclusive, result.turns, options)
        errors = cp_word_errors(reference, speaker_texts([(s.speaker, s.text) for s in attributed]))
        out.append(f"{name}: cpWER {100 * errors.rate:.2f} %, fragment cues {fragment_cues(original)} "
                   f"(short lines {fragment_cues(original, torn=False)})")
    return "  ".join(out)


class Peer:
    """sherpa-onnx OfflineSpeakerDiarization with castscript's two model files, default threshold 0.5."""

    def __init__(self, cache: Path, threads: int):
        import sherpa_onnx

        self.sherpa, self.threads = sherpa_onnx, threads
        models = hashlib.sha256(SEGMENTATION.read_bytes() + EMBEDDING.read_bytes()).hexdigest()[:12]
        self.cache = cache / f"sherpa-{getattr(sherpa_onnx, '__version__', 'x')}-{models}"
        self.cache.mkdir(parents=True, exist_ok=True)

    def _diarizer(self, num_clusters: int):
        so = self.sherpa
        config = so.OfflineSpeakerDiarizationConfig(
            segmentation=so.OfflineSpeakerSegmentationModelConfig(
                pyannote=so.OfflineSpeakerSegmentationPyannoteModelConfig(model=str(SEGMENTATION)), num_threads=self.threads
            ),
            embedding=so.SpeakerEmbeddingExtractorConfig(model=str(EMBEDDING), num_threads=self.threads),
            clustering=so.FastClusteringConfig(num_clusters=num_clusters),
        )
        return so.OfflineSpeakerDiarization(config)

    def __call__(self, item: Item, audio: np.ndarray, num_clusters: int = -1) -> Run:
        path = self.cache / f"{item.uri}-{'free' if num_clusters < 0 else 'told'}.json"
        key = hashlib.sha256(audio.tobytes()).hexdigest()[:16] + f"-{num_clusters}"
        if path.exists() and (cached := json.loads(path.read_text()))["key"] == key:
            return Run([SpeakerTurn(*t) for t in cached["turns"]], cached["seconds"])
        diarizer = self._diarizer(num_clusters)
        start = time.perf_counter()
        result = diarizer.process(audio).sort_by_start_time()
        seconds = time.perf_counter() - start
        turns = [SpeakerTurn(round(s.start, 3), round(s.end, 3), f"S{s.speaker}") for s in result]
        path.write_text(json.dumps({"key": key, "seconds": seconds, "turns": [[t.start, t.end, t.speaker] for t in turns]}))
        return Run(turns, seconds)


def compare(root: Path, half: str, threads: int, peer: Peer | None, verbose: bool, step: float) -> tuple[dict[str, Tally], Attribution]:
    """Every system on every file of the half (castscript on all files first, then the peer), and castscript's
    attribution of the reference words; per-file lines when ``verbose``."""
    systems: dict[str, Tally] = {"castscript": Tally(), "castscript, true count": Tally()}
    free = DiarizationOptions(threads=threads, step=step)
    diarizer = Diarizer(free)
    words, attribution = reference_words(root, half), Attribution()
    found: dict[str, list[str]] = {}
    for item in items(root, half):
        audio, truth = decode_audio(item.audio), len(item.reference.labels())
        start = time.perf_counter()
        analysis = diarizer.analyse(audio)
        result = diarizer.combine(analysis)
        seconds = time.perf_counter() - start
        (root / "runs").mkdir(exist_ok=True)
        (root / "runs" / f"{item.uri}.json").write_text(json.dumps(result.to_dict()))
        der, _, count = systems["castscript"].add(item, Run(result.turns, seconds), len(audio) / SAMPLE_RATE)
        diarizer.options = replace(free, num_speakers=truth)  # the models' analysis reused: only the count differs
        told = diarizer.combine(analysis)
        diarizer.options = free
        told_der, _, told_count = systems["castscript, true count"].add(item, Run(told.turns, seconds), len(audio) / SAMPLE_RATE)
        found[item.uri] = [f"{item.uri:<9} ref {truth}  castscript {count} {der:5.1f}  castscript* {told_count} {told_der:5.1f}"]
        if item.uri in words:
            attribution.add(words[item.uri], result)
        elif item.uri == "sample":
            print(f"  sample.wav with faster-whisper base words: {sample_attribution(item.audio, result)}")
    if peer:
        systems |= {"sherpa-onnx": Tally(), "sherpa-onnx, true count": Tally()}
        for item in items(root, half):
            audio = decode_audio(item.audio)
            for name, count in (("sherpa-onnx", -1), ("sherpa-onnx, true count", len(item.reference.labels()))):
                der, _, guess = systems[name].add(item, peer(item, audio, count), len(audio) / SAMPLE_RATE)
                found[item.uri].append(f"{'sherpa' if count < 0 else 'sherpa*'} {guess} {der:5.1f}")
    if verbose:
        for line in found.values():
            print("   ", "  ".join(line))
    return systems, attribution


def report(half: str, systems: dict[str, Tally], attribution: Attribution) -> None:
    print(f"{half} half ({systems['castscript'].files} files, {systems['castscript'].audio_seconds / 60:.1f} min)")
    for name, tally in systems.items():
        print(tally.row(name))
    print(f"  castscript attribution of the reference words (simulated files): {attribution.row()}")
    if "sherpa-onnx" in systems:
        ours, peer = systems["castscript"], systems["sherpa-onnx"]
        print(f"  ratio to sherpa-onnx: DER c0.5 {ours.der[0.5].der / max(peer.der[0.5].der, 1e-9):.2f}x (target <= 0.80), "
              f"c0 {ours.der[0.0].der / max(peer.der[0.0].der, 1e-9):.2f}x (target <= 0.85); count exact "
              f"{100 * ours.exact / ours.files:.0f} % (>= 75), within one {100 * ours.within_one / ours.files:.0f} % (>= 95)")


class PeakMemory:
    """Peak resident memory of this process while the block runs, sampled every 20 ms."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.baseline = self.peak = 0
        self._running = False

    def __enter__(self) -> PeakMemory:
        self.baseline = self.peak = self.process.memory_info().rss
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while self._running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __exit__(self, *exc) -> None:
        self._running = False
        self._thread.join()

    @property
    def extra_mb(self) -> float:
        return (self.peak - self.baseline) / 2**20


def long_input(root: Path, minutes: float) -> np.ndarray:
    """The test half's conversations one after another, repeated to ``minutes``."""
    unit = np.concatenate([decode_audio(item.audio) for item in items(root, "test")])
    repeats = int(np.ceil(minutes * 60 * SAMPLE_RATE / len(unit)))
    return np.tile(unit, repeats)[: int(minutes * 60 * SAMPLE_RATE)]


def speed(root: Path, minutes: float, threads: int, step: float) -> None:
    diarizer = Diarizer(DiarizationOptions(threads=threads, step=step))
    audio = long_input(root, minutes)
    with PeakMemory() as memory:
        cpu_before, start = memory.process.cpu_times(), time.perf_counter()
        result = diarizer(audio)
        elapsed, cpu_after = time.perf_counter() - start, memory.process.cpu_times()
    seconds = len(audio) / SAMPLE_RATE
    cpu = cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
    print(f"speed: {seconds / 60:.0f} min of audio in {elapsed:.1f} s = {seconds / elapsed:.1f}x real time "
          f"({threads} threads, {psutil.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}); "
          f"{len(result.labels)} speakers, {len(result.turns)} turns")
    print(f"  CPU time {cpu:.1f} s: {seconds / (cpu / threads):.1f}x real time on {threads} otherwise idle cores")
    print(f"memory: {memory.extra_mb:.0f} MB above the {memory.baseline / 2**20:.0f} MB before diarization "
          f"(the audio is {audio.nbytes / 2**20:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=devset.DEFAULT_OUT)
    parser.add_argument("--half", choices=["tuning", "test", "both"], default="both")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime threads (both systems)")
    parser.add_argument("--peer-half", choices=["tuning", "test", "both", "none"], default="both",
                        help="halves the peer runs on (it is slow: about 0.5x real time on a loaded 2-core machine)")
    parser.add_argument("--minutes", type=float, default=0.0, help="also time castscript on a long input this long")
    parser.add_argument("--accuracy", choices=tuple(SPEAKER_ACCURACY), default=SpeakerOptions.accuracy,
                        help="castscript's --speaker-accuracy")
    parser.add_argument("--quiet", action="store_true", help="no per-file lines")
    args = parser.parse_args()
    devset.build(args.devset)
    peer = None if args.peer_half == "none" else Peer(args.devset / "peer", args.threads)
    for half in ("tuning", "test") if args.half == "both" else (args.half,):
        with_peer = peer if args.peer_half in ("both", half) else None
        report(half, *compare(args.devset, half, args.threads, with_peer, not args.quiet, SPEAKER_ACCURACY[args.accuracy]))
    if args.minutes:
        speed(args.devset, args.minutes, args.threads, SPEAKER_ACCURACY[args.accuracy])


if __name__ == "__main__":
    main()
