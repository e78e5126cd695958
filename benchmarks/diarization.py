"""Diarization benchmark: DER on the shared real recordings, speed (x real time) and extra memory on a long input.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media python benchmarks/diarization.py [--minutes 60]

DER uses the issue's settings: collar 0.5 s total (+/-0.25 s), overlapped speech scored, the AMI UEM. The long input
is the shared recordings and synthetic conversations repeated to the requested length (a few speakers over and over,
as in a long meeting); speed is diarization alone on 16 kHz audio already in memory, with --threads onnxruntime
threads; memory is the peak resident size above the size before diarization (the audio itself not counted).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from castscript.diarization import DiarizationOptions, Diarizer
from castscript.evaluation import DerScore, DerSettings, annotation, load_rttm, load_uem, score_der
from castscript.media import SAMPLE_RATE, decode_audio
from castscript.synthetic import ANNA, BEN, CARL, Line, dialogue

MEDIA = Path(os.environ.get("CASTSCRIPT_MEDIA", Path(__file__).resolve().parents[2] / "shared" / "media"))
AMI = [f"trn0{i}" for i in range(1, 6)]
CONVERSATION = [
    Line(ANNA, "Welcome back. Today we are planning the spring festival in the park."),
    Line(BEN, "I spoke with the city council about the permit yesterday afternoon."),
    Line(CARL, "Did they approve it, or do we need to send more documents?"),
    Line(BEN, "They approved it, but we must finish by ten in the evening."),
    Line(ANNA, "That is fine. Carl, can you handle the music and the stage?"),
    Line(CARL, "Yes, I already have two bands interested, and a friend with a sound system."),
]


def der_table(diarizer: Diarizer) -> None:
    settings = DerSettings()
    print(f"DER ({settings.describe()})")
    sample = MEDIA / "pyannote-sample"
    files = [("sample", sample / "sample.wav", sample / "sample.rttm", None)]
    ami = MEDIA / "ami-train"
    files += [(uri, ami / f"{uri}.wav", ami / "debug.train.rttm", ami / "debug.train.uem") for uri in AMI]
    total = DerScore()
    for uri, wav, rttm, uem in files:
        reference = load_rttm(rttm)[uri]
        result = diarizer(decode_audio(wav))
        score = score_der(reference, annotation(result.turns, uri), settings, load_uem(uem)[uri] if uem else None)
        parts = score.percentages()
        print(f"  {uri:<8} speakers ref {len(reference.labels())} found {len(result.labels)}  DER {parts['DER']:6.2f} %"
              f"  (missed {parts['missed']:.2f}, false alarm {parts['false alarm']:.2f}, confusion {parts['confusion']:.2f})")
        if uri in AMI:
            total = total + score
    print(f"  AMI trn01-05 total DER {100 * total.der:.2f} % of {total.total:.1f} s reference speech")


def long_input(minutes: float) -> np.ndarray:
    synthetic, _ = dialogue(CONVERSATION)
    pieces = [decode_audio(MEDIA / "pyannote-sample/sample.wav"), synthetic]
    pieces += [decode_audio(MEDIA / f"ami-train/{uri}.wav") for uri in AMI]
    unit = np.concatenate(pieces)
    repeats = int(np.ceil(minutes * 60 * SAMPLE_RATE / len(unit)))
    return np.tile(unit, repeats)[: int(minutes * 60 * SAMPLE_RATE)]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the long input")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime threads")
    args = parser.parse_args()
    diarizer = Diarizer(DiarizationOptions(threads=args.threads))
    der_table(diarizer)
    audio = long_input(args.minutes)
    with PeakMemory() as memory:
        cpu_before, start = memory.process.cpu_times(), time.perf_counter()
        result = diarizer(audio)
        elapsed, cpu_after = time.perf_counter() - start, memory.process.cpu_times()
    seconds = len(audio) / SAMPLE_RATE
    cpu = cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
    print(f"speed: {seconds / 60:.0f} min of audio in {elapsed:.1f} s = {seconds / elapsed:.1f}x real time "
          f"({args.threads} threads, {psutil.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}); "
          f"{len(result.labels)} speakers, {len(result.turns)} turns")
    print(f"  CPU time {cpu:.1f} s: {seconds / (cpu / args.threads):.1f}x real time on {args.threads} otherwise idle cores")
    print(f"memory: {memory.extra_mb:.0f} MB above the {memory.baseline / 2**20:.0f} MB before diarization "
          f"(the audio is {audio.nbytes / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
