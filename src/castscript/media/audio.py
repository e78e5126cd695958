"""Decode any media's audio to 16 kHz mono float32, streaming frame by frame (never the whole decoded video)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Iterator

import av
import numpy as np

from ..errors import CorruptMedia, NoAudioStream
from .probe import open_container

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000

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
    chunks = list(iter_audio_chunks(path, progress=progress))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


def _decoded_frames(path: str | Path, progress: ProgressCallback | None) -> Iterator[np.ndarray]:
    with open_container(path) as container:
        if not container.streams.audio:
            raise NoAudioStream(
                f"No audio stream in {path}",
                hint="castscript needs speech to transcribe; add an audio track or pass the audio file.",
            )
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        # Resample to planar float at 16 kHz keeping the channels, then average them: swresample's own
        # downmix adds channels at -3 dB each and can exceed full scale.
        resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE)
        good = bad = 0
        for packet in _demux(container, stream, path):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                bad += 1  # like ffmpeg, skip a damaged packet and go on
                continue
            for frame in frames:
                good += 1
                for out in resampler.resample(frame):
                    yield _mono(out)
                if progress and frame.time is not None:
                    progress(float(frame.time))
        for out in resampler.resample(None):
            yield _mono(out)
        if bad:
            log.warning("%s: skipped %d damaged audio packet(s)", path, bad)
        if bad and good < bad:
            raise CorruptMedia(
                f"The audio of {path} is corrupt: {bad} of {good + bad} packets cannot be decoded.",
                hint="Re-export or re-download the file; 'ffmpeg -v error -i FILE -f null -' shows the damage.",
            )


def _demux(container, stream, path) -> Iterator[av.Packet]:
    try:
        yield from container.demux(stream)
    except av.error.FFmpegError as exc:
        raise CorruptMedia(
            f"The file {path} is damaged and cannot be read past this point: {exc}",
            hint="Re-export or re-download the file.",
        ) from None


def _mono(frame: av.AudioFrame) -> np.ndarray:
    planes = frame.to_ndarray()
    return (planes[0] if planes.shape[0] == 1 else planes.mean(axis=0)).astype(np.float32, copy=False)
