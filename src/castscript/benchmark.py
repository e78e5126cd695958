"""Per-stage speed and memory of a pipeline run, and the plain faster-whisper floor to compare with."""

from __future__ import annotations

import resource
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .progress import Progress


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


def measure_plain_faster_whisper(input_path: Path, asr_options) -> float:
    """Wall seconds of plain faster-whisper on the same audio, model and settings (model load excluded)."""
    from faster_whisper import BatchedInferencePipeline, decode_audio

    from .asr.transcribe import load_whisper, resolve_batch_size, resolve_device

    device = resolve_device(asr_options.device)
    compute_type = asr_options.compute_type or ("int8" if device == "cpu" else "float16")
    model = load_whisper(asr_options.model, device, compute_type, asr_options.cpu_threads)
    started = time.perf_counter()
    audio = decode_audio(str(input_path))
    batch_size = resolve_batch_size(asr_options, device)
    pipeline = BatchedInferencePipeline(model=model) if batch_size > 1 else model
    kwargs = {"batch_size": batch_size} if batch_size > 1 else {}
    segments, _ = pipeline.transcribe(
        audio, language=None if asr_options.language in (None, "auto") else asr_options.language,
        beam_size=asr_options.beam_size, word_timestamps=True, vad_filter=asr_options.vad_filter, **kwargs,
    )
    list(segments)
    return time.perf_counter() - started


def generate_long_media(target: Path, minutes: float, media_dir: Path) -> Path:
    """Concatenate the shared recordings and an espeak-ng dialogue (repeated as needed) into one 16 kHz mono WAV of
    ``minutes``, streaming."""
    from .media import SAMPLE_RATE, decode_audio
    from .media.wav import write_wav
    from .synthetic import DEMO_LINES, dialogue

    sources = sorted((media_dir / "ami-train").glob("*.wav")) + [
        media_dir / "pyannote-sample/sample.wav",
        media_dir / "faster-whisper/multilingual.mp3",
        media_dir / "faster-whisper/jfk.flac",
    ]
    clips = [decode_audio(s) for s in sources] + [dialogue(DEMO_LINES)[0]]
    total = int(minutes * 60 * SAMPLE_RATE)

    def repeated():
        remaining, index = total, 0
        while remaining > 0:
            clip = clips[index % len(clips)][:remaining]
            yield clip
            remaining -= len(clip)
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
