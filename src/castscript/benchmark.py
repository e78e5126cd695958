"""Per-stage speed and memory of a pipeline run, and whole-process comparisons with plain faster-whisper and peers."""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .core.settings import settings
from .core.progress import Progress


def rss_bytes() -> int:
    """Current resident set size of this process."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class StageFigures:
    name: str
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss: int = 0


@dataclass
class RunFigures:
    media_seconds: float
    stages: list[StageFigures] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Wall seconds of every stage, including each of those that ran side by side."""


class RssSampler:
    """Samples this process's RSS every few milliseconds in a thread, keeping the peak since the last reset."""

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(self.interval)

    def take_peak(self) -> int:
        peak, self.peak = max(self.peak, rss_bytes()), rss_bytes()
        return peak


class TimingProgress:
    """A Progress reporter that closes a stage's figures whenever the next stage starts."""

    def __init__(self, sampler: RssSampler):
        self.sampler = sampler
        self.stages: list[StageFigures] = []
        self._started = (0.0, 0.0)

    def stage(self, name: str) -> None:
        self._close()
        self.sampler.take_peak()
        self.stages.append(StageFigures(name))
        self._started = (time.perf_counter(), cpu_seconds())

    def update(self, fraction: float) -> None:
        pass

    def _close(self) -> None:
        if self.stages:
            current = self.stages[-1]
            current.wall = time.perf_counter() - self._started[0]
            current.cpu = cpu_seconds() - self._started[1]
            current.peak_rss = self.sampler.take_peak()

    def finish(self) -> None:
        self._close()


def measure_pipeline(input_path: Path, options, output_dir: Path, media_seconds: float) -> RunFigures:
    from .pipeline import run_pipeline

    with RssSampler() as sampler:
        timing = TimingProgress(sampler)
        wall0, cpu0 = time.perf_counter(), cpu_seconds()
        result = run_pipeline(input_path, options, output_dir, progress=timing)
        timing.finish()
        figures = RunFigures(media_seconds, timing.stages, time.perf_counter() - wall0, cpu_seconds() - cpu0,
                             stage_seconds=result.stage_seconds)
        figures.peak_rss = max(s.peak_rss for s in timing.stages)
    return figures


PLAIN_FASTER_WHISPER = """
import sys
from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio
model_dir, media, batch, threads, device, compute_type = sys.argv[1:7]
model = WhisperModel(model_dir, device=device, compute_type=compute_type, cpu_threads=int(threads))
segments, _ = BatchedInferencePipeline(model=model).transcribe(
    decode_audio(media), batch_size=int(batch), beam_size=5, word_timestamps=True, vad_filter=True)
print("words", sum(len(s.words) for s in segments))
"""
"""Plain faster-whisper as its README shows it: batched pipeline, beam 5, word timestamps, Silero VAD."""

WHISPERX_ASR = """
import sys
import whisperx
model_dir, media, batch, threads, device, compute_type = sys.argv[1:7]
model = whisperx.load_model(model_dir, device, compute_type=compute_type, threads=int(threads), language=None)
result = model.transcribe(whisperx.load_audio(media), batch_size=int(batch))
print("segments", len(result["segments"]))
"""
"""WhisperX's ASR (faster-whisper behind pyannote VAD); its word alignment needs a wav2vec2 model from a hub."""

SHERPA_DIARIZATION = """
import subprocess, sys
import numpy as np
import sherpa_onnx
segmentation, embedding, media, threads = sys.argv[1:5]
config = sherpa_onnx.OfflineSpeakerDiarizationConfig(
    segmentation=sherpa_onnx.OfflineSpeakerSegmentationModelConfig(
        pyannote=sherpa_onnx.OfflineSpeakerSegmentationPyannoteModelConfig(model=segmentation), num_threads=int(threads)),
    embedding=sherpa_onnx.SpeakerEmbeddingExtractorConfig(model=embedding, num_threads=int(threads)),
    clustering=sherpa_onnx.FastClusteringConfig(num_clusters=-1, threshold=0.5), min_duration_on=0.3, min_duration_off=0.5)
pcm = subprocess.run(["ffmpeg", "-v", "error", "-i", media, "-f", "s16le", "-ac", "1", "-ar", "16000", "-"],
                     capture_output=True, check=True).stdout
turns = sherpa_onnx.OfflineSpeakerDiarization(config).process(np.frombuffer(pcm, np.int16) / np.float32(32768))
print("turns", len(turns.sort_by_start_time()))
"""
"""sherpa-onnx's diarization with the same segmentation and embedding models castscript bundles."""


@dataclass(frozen=True)
class Contender:
    """One whole process to time: ``argv``, run ``rounds`` times (1 for slow peers)."""

    name: str
    argv: tuple[str, ...]
    rounds: int = 2


@dataclass
class ProcessFigures:
    """Wall and CPU seconds (user + system, children included) of each run, and the highest peak RSS."""

    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    system: list[float] = field(default_factory=list)
    peak_rss: int = 0
    error: str = ""

    @property
    def mean_wall(self) -> float:
        return sum(self.wall) / len(self.wall) if self.wall else float("nan")

    @property
    def mean_cpu(self) -> float:
        return sum(self.cpu) / len(self.cpu) if self.cpu else float("nan")


def time_process(argv: tuple[str, ...], figures: ProcessFigures) -> None:
    """Run ``argv`` to its end and add its wall time, CPU time (wait4) and peak RSS to ``figures``.

    The peak is the child's own high-water mark (VmHWM), read while it runs: wait4's ru_maxrss would start from this
    process's RSS, which a forked child inherits.
    """
    with tempfile.TemporaryFile() as stderr:
        started, peak = time.perf_counter(), 0
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr)
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _high_water_mark(child.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        lines = [line for line in stderr.read().decode(errors="replace").splitlines() if line.strip()]
    if child.returncode != 0:
        figures.error = f"exit {child.returncode}: {(lines or [''])[-1][:300]}"
        return
    figures.wall.append(wall)
    figures.cpu.append(usage.ru_utime + usage.ru_stime)
    figures.system.append(usage.ru_stime)
    figures.peak_rss = max(figures.peak_rss, peak)


def _high_water_mark(pid: int) -> int:
    """Peak resident set size of a running process, in bytes (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            line = next((line for line in handle if line.startswith("VmHWM:")), "VmHWM: 0 kB")
    except OSError:
        return 0
    return int(line.split()[1]) * 1024


def run_interleaved(contenders: list[Contender], rounds: int = 2) -> list[ProcessFigures]:
    """Every contender in one run, in the order A B C, then C B A, ... so a drift in the machine's load cancels out;
    a contender that fails is reported with its error and not run again."""
    results = {c.name: ProcessFigures(c.name) for c in contenders}
    for index in range(rounds):
        order = contenders if index % 2 == 0 else contenders[::-1]
        for contender in order:
            figures = results[contender.name]
            if index < contender.rounds and not figures.error:
                time_process(contender.argv, figures)
    return list(results.values())


def format_comparison(results: list[ProcessFigures], media_seconds: float) -> str:
    """A table of whole-process figures, with wall and CPU ratios to the first contender (the baseline)."""
    base = results[0]
    rows = [f"{'whole process':<40} {'runs':>4} {'wall s':>8} {'cpu s':>8} {'sys s':>6} {'x real time':>11} "
            f"{'peak RSS MB':>11} {'wall ratio':>10} {'cpu ratio':>9}"]
    for figures in results:
        if not figures.wall:
            rows.append(f"{figures.name:<40} not run: {figures.error or 'no runs'}")
            continue
        system = sum(figures.system) / len(figures.system)
        rows.append(
            f"{figures.name:<40} {len(figures.wall):>4} {figures.mean_wall:>8.2f} {figures.mean_cpu:>8.2f} "
            f"{system:>6.2f} {media_seconds / figures.mean_wall:>11.1f} {figures.peak_rss / 1e6:>11.0f} "
            f"{figures.mean_wall / base.mean_wall:>10.2f} {figures.mean_cpu / base.mean_cpu:>9.2f}"
        )
    return "\n".join(rows)


def generate_long_media(target: Path, minutes: float, media_dir: Path) -> Path:
    """One 16 kHz mono WAV of ``minutes``, written streaming: LibriSpeech test-other's real read speech (10 speakers)
    with 0.2-1.2 s pauses, repeated as needed; without it, the shared recordings and an espeak-ng dialogue."""
    import random

    import numpy as np

    from .media import SAMPLE_RATE, decode_audio
    from .media.wav import write_wav

    sources = sorted((media_dir / "librispeech-test-other").glob("*/*.flac"))
    if sources:
        clips = [decode_audio(s) for s in sources]
    else:
        from .synthetic import DEMO_LINES, dialogue

        sources = sorted((media_dir / "ami-train").glob("*.wav")) + [
            media_dir / "pyannote-sample/sample.wav", media_dir / "faster-whisper/multilingual.mp3",
            media_dir / "faster-whisper/jfk.flac",
        ]
        clips = [decode_audio(s) for s in sources] + [dialogue(DEMO_LINES)[0]]
    total, pauses = int(minutes * 60 * SAMPLE_RATE), random.Random(0)

    def repeated():
        remaining, index = total, 0
        while remaining > 0:
            pause = np.zeros(int(pauses.uniform(0.2, 1.2) * SAMPLE_RATE), dtype=np.float32)
            for part in (clips[index % len(clips)], pause):
                part = part[: max(remaining, 0)]
                if len(part):
                    remaining -= len(part)
                    yield part
            index += 1

    return write_wav(target, repeated())


def side_by_side_summary(figures: RunFigures, names: tuple[str, ...] = ("transcribe", "diarize", "faces")) -> str:
    """How long the stages that ran together took, against the slower one and their sum."""
    together = next((s.wall for s in figures.stages if "+" in s.name), None)
    times = {n: figures.stage_seconds[n] for n in names if n in figures.stage_seconds}
    if together is None or len(times) < 2:
        return ""
    each = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in times.items())
    slowest, total = max(times.values()), sum(times.values())
    return (f"side by side: {each}; together {together:.1f} s = {together / slowest:.2f} x the slower stage "
            f"({together / total:.2f} x their sum)")


def format_table(figures: RunFigures) -> str:
    rows = [f"{'stage':<20} {'wall s':>8} {'x real time':>11} {'cpu s':>8} {'peak RSS MB':>12}"]
    for stage in figures.stages + [StageFigures("TOTAL", figures.wall, figures.cpu, figures.peak_rss)]:
        speed = figures.media_seconds / stage.wall if stage.wall > 0 else float("inf")
        rows.append(f"{stage.name:<20} {stage.wall:>8.2f} {speed:>11.1f} {stage.cpu:>8.2f} {stage.peak_rss / 1e6:>12.0f}")
    return "\n".join(rows)


def peers_python(explicit: str | None = None) -> str | None:
    """The Python of the benchmark-only peers' virtual environment (benchmarks/setup_peers.sh), if there is one."""
    candidate = explicit or settings().peers_python or ".venv-peers/bin/python"
    return candidate if Path(candidate).is_file() else None


def importable(python: str, module: str) -> str:
    """'' when ``python`` can import ``module``, else why not (its last error line)."""
    done = subprocess.run([python, "-c", f"import {module}"], capture_output=True, text=True)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return "" if done.returncode == 0 else (lines or ["import failed"])[-1][:300]


def comparison_contenders(source: Path, options, scratch: Path, plain_batch: int = 8,
                          peers: str | None = None) -> tuple[list[Contender], list[str]]:
    """Whole processes on ``source`` with the same model, device and threads: plain faster-whisper batched first (the
    baseline), castscript's ASR alone, castscript's whole audio pipeline, then the peers that can run here; and a line
    for each peer that cannot, saying why."""
    import sys

    from .asr.transcribe import resolve_device, resolve_whisper_model
    from .concurrency import threads_or_all
    from .models import resolve

    threads = str(threads_or_all(options.threads))
    device = resolve_device(options.asr.device)
    compute = options.asr.compute_type or ("int8" if device == "cpu" else "float16")
    whisper = (resolve_whisper_model(options.asr.model), str(source), str(plain_batch), threads, device, compute)
    run = (sys.executable, "-m", "castscript", "-q", "run", str(source), "--no-cache", "--formats", "json",
           "--model", options.asr.model, "--device", options.asr.device, "--batch-size", str(options.asr.batch_size),
           "--threads", threads, "--language", options.asr.language or "auto")
    contenders = [
        Contender(f"plain faster-whisper (batch {plain_batch})", (sys.executable, "-c", PLAIN_FASTER_WHISPER, *whisper)),
        Contender("castscript ASR alone (--no-diarize)", (*run, "--no-diarize", "-o", str(scratch / "compare-asr"))),
        Contender("castscript whole audio pipeline", (*run, "-o", str(scratch / "compare-run"))),
    ]
    notes = []
    sherpa_python = next((p for p in (sys.executable, peers) if p and not importable(p, "sherpa_onnx")), None)
    if sherpa_python:
        models = (str(resolve("pyannote-segmentation-3.0") / "model.onnx"),
                  str(resolve("campplus-zh-en-common") / "model.onnx"))
        contenders.append(Contender("sherpa-onnx diarization (same models)",
                                    (sherpa_python, "-c", SHERPA_DIARIZATION, *models, str(source), threads), rounds=1))
    else:
        notes.append("sherpa-onnx: not installed (benchmarks/setup_peers.sh installs it), not compared")
    why = importable(peers, "whisperx") if peers else "no peers environment (run benchmarks/setup_peers.sh)"
    if why:
        notes.append(f"WhisperX: not compared: {why}")
    else:
        contenders.append(Contender(f"WhisperX ASR (batch {plain_batch}, no alignment)",
                                    (peers, "-c", WHISPERX_ASR, *whisper), rounds=1))
        notes.append("WhisperX alignment and diarization: not run: they load wav2vec2 and "
                     "pyannote/speaker-diarization-3.1 from the Hugging Face hub, unreachable offline")
    return contenders, notes


def ratio_lines(results: list[ProcessFigures]) -> list[str]:
    """'<contender> / <baseline>: wall W, cpu C' for every contender that ran, the first one being the baseline."""
    base = results[0]
    return [f"{f.name} / {base.name}: wall {f.mean_wall / base.mean_wall:.2f}, cpu {f.mean_cpu / base.mean_cpu:.2f}"
            for f in results[1:] if f.wall and base.wall]
