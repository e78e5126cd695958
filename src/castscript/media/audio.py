"""Decode any media's audio to 16 kHz mono float32, streaming frame by frame (never the whole decoded video)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import av
import numpy as np

from ..errors import CorruptMedia, NoAudioStream
from .probe import open_container

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
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                if progress and frame.time is not None:
                    progress(float(frame.time))
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
        except av.error.InvalidDataError as exc:
            raise CorruptMedia(
                f"The audio of {path} is corrupt and cannot be decoded: {exc}",
                hint="Re-export or re-download the file; 'ffmpeg -v error -i FILE -f null -' shows the damage.",
            ) from None
