"""Decode any media's audio to 16 kHz mono float32, streaming frame by frame (never the whole decoded video)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import av
import numpy as np

from ..core.errors import CorruptMedia
from .probe import DAMAGED_HINT, max_duration, no_audio, open_container, stream_seconds, too_long

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
TRUNCATED_FRACTION = 0.9
"""Audio ending before this fraction of its declared duration (and over a second short) is a truncated file."""

ProgressCallback = Callable[[float], None]
"""Called with the media time (seconds) decoded so far."""


def iter_audio_chunks(
    path: str | Path, *, chunk_seconds: float = 30.0, progress: ProgressCallback | None = None
) -> Iterator[np.ndarray]:
    """Yield the audio of ``path`` as 16 kHz mono float32 chunks of about ``chunk_seconds`` each."""
    chunk_samples = int(chunk_seconds * SAMPLE_RATE)
    pending: list[np.ndarray] = []
    pending_len = 0
    for samples in _decoded_frames(path, progress):
        pending.append(samples)
        pending_len += len(samples)
        if pending_len >= chunk_samples:
            joined = np.concatenate(pending)
            yield joined[:chunk_samples]
            rest = joined[chunk_samples:]
            pending, pending_len = ([rest], len(rest)) if len(rest) else ([], 0)
    if pending_len:
        yield np.concatenate(pending)


def decode_audio(path: str | Path, progress: ProgressCallback | None = None) -> np.ndarray:
    """The whole audio track of ``path`` as one 16 kHz mono float32 array (multichannel mixed down)."""
    samples = _SampleBuffer(declared_seconds(path))
    for frame_samples in _decoded_frames(path, progress):
        samples.append(frame_samples)
    return samples.result()


def declared_seconds(path: str | Path) -> float | None:
    """The audio duration the header of ``path`` declares (None when it declares none)."""
    with open_container(path) as container:
        return stream_seconds(next(iter(container.streams.audio), None))


class _SampleBuffer:
    """One array sized from the declared duration, grown only if the media runs longer (no 2x peak from joining)."""

    def __init__(self, seconds: float | None):
        seconds = min(seconds or 30.0, max_duration())  # untouched pages of np.empty cost no memory
        self.data = np.empty(int(seconds * SAMPLE_RATE) + SAMPLE_RATE, dtype=np.float32)
        self.size = 0

    def append(self, samples: np.ndarray) -> None:
        end = self.size + len(samples)
        if end > len(self.data):
            grown = np.empty(max(end, int(len(self.data) * 1.5)), dtype=np.float32)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : end] = samples
        self.size = end

    def result(self) -> np.ndarray:
        return self.data[: self.size]


@dataclass
class _Tally:
    """Decoded and damaged packet counts and decoded samples, checked against the declared duration and the limit."""

    path: str | Path
    declared: float | None
    limit: float
    good: int = 0
    bad: int = 0
    samples: int = 0

    def add(self, samples: int) -> None:
        self.samples += samples
        if self.samples > self.limit * SAMPLE_RATE:
            raise too_long(self.path, self.limit)

    def check(self) -> None:
        """Raise for audio that is mostly damaged, empty, or ends well before its header says."""
        path, seconds = self.path, self.samples / SAMPLE_RATE
        if self.bad:
            log.warning("%s: skipped %d damaged audio packet(s)", path, self.bad)
        if self.bad and self.good < self.bad:
            raise CorruptMedia(
                f"The audio of {path} is corrupt: {self.bad} of {self.good + self.bad} packets cannot be decoded.",
                hint=DAMAGED_HINT,
            )
        if not self.samples:
            raise CorruptMedia(f"No audio could be decoded from {path}: its audio stream holds no samples.",
                               hint="The file is damaged or was cut off before any sound; re-export it.")
        if self.declared and seconds < TRUNCATED_FRACTION * self.declared and self.declared - seconds > 1.0:
            raise CorruptMedia(
                f"{path} is truncated: its header declares {self.declared:.1f} s of audio, but it ends after "
                f"{seconds:.1f} s.",
                hint="Re-download or re-export it; to keep just the part that is there, "
                "remux it first: ffmpeg -i FILE -c copy FIXED.",
            )


def is_digital_silence(audio: np.ndarray, level: float = 1e-4) -> bool:
    """No sample beyond +/-``level``; checked without copying the audio (max and min are reductions)."""
    return len(audio) == 0 or (float(audio.max()) <= level and float(audio.min()) >= -level)


def _decoded_frames(path: str | Path, progress: ProgressCallback | None) -> Iterator[np.ndarray]:
    with open_container(path) as container:
        if not container.streams.audio:
            raise no_audio(path)
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        tally = _Tally(path, stream_seconds(stream), max_duration())
        # Resample to interleaved float at 16 kHz keeping the channels, then average them: swresample's own
        # downmix adds channels at -3 dB each and can exceed full scale. (Interleaved, because PyAV crashes
        # reading planar frames of 8 or more channels.)
        resampler = av.AudioResampler(format="flt", rate=SAMPLE_RATE)
        for packet in _demux(container, stream, path):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                # like ffmpeg, skip a damaged packet and go on (decoders report damage as EINVAL, EPERM, ...)
                tally.bad += 1
                continue
            for frame in frames:
                tally.good += 1
                for out in resampler.resample(frame):
                    yield _counted(out, tally)
                if progress and frame.time is not None:
                    progress(float(frame.time))
        for out in resampler.resample(None):
            yield _counted(out, tally)
        tally.check()


def _counted(frame: av.AudioFrame, tally: _Tally) -> np.ndarray:
    samples = _mono(frame)
    tally.add(len(samples))
    return samples


def _demux(container, stream, path) -> Iterator[av.Packet]:
    try:
        yield from container.demux(stream)
    except av.error.FFmpegError as exc:
        raise CorruptMedia(
            f"The file {path} is damaged and cannot be read past this point: {exc}",
            hint="Re-export or re-download the file.",
        ) from None


def _mono(frame: av.AudioFrame) -> np.ndarray:
    samples = frame.to_ndarray().reshape(-1, len(frame.layout.channels))
    return (samples[:, 0] if samples.shape[1] == 1 else samples.mean(axis=1)).astype(np.float32, copy=False)
