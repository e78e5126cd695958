"""Sampled video frames (PyAV): reference frames are decoded, only the sampled ones converted, downscaled."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import av
import numpy as np

from ..core.errors import CorruptMedia, NotMediaError
from ..media.probe import open_container

@dataclass
class SampledFrame:
    time: float
    small: np.ndarray
    """BGR, downscaled so its longer side is the detection size."""
    scale: float
    """Video pixels per ``small`` pixel."""
    frame: av.VideoFrame

    def full(self) -> np.ndarray:
        """The frame in full resolution (BGR), converted only when asked."""
        return self.frame.to_ndarray(format="bgr24")


def sample_frames(
    path: str | Path, fps: float, detect_size: int, progress: Callable[[float], None] | None = None
) -> Iterator[SampledFrame]:
    """About ``fps`` frames per second of the first video stream of ``path``."""
    with open_container(path) as container:
        stream = next((s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic), None)
        if stream is None:
            raise NotMediaError(f"No video stream in {path}", hint="Face analysis needs a video file.")
        stream.thread_type = "AUTO"
        stream.codec_context.skip_frame = "NONREF"  # frames nothing else refers to need not be decoded at all
        width, height = stream.codec_context.width, stream.codec_context.height
        scale = max(width, height) / detect_size
        size = (max(2, round(width / scale)), max(2, round(height / scale)))
        duration = float(stream.duration * stream.time_base) if stream.duration else None
        step, next_time = 1.0 / fps, 0.0
        try:
            for frame in container.decode(stream):
                if frame.time is None or frame.time < next_time - step / 4:
                    continue
                next_time = frame.time + step
                small = frame.to_ndarray(format="bgr24", width=size[0], height=size[1])
                yield SampledFrame(float(frame.time), small, scale, frame)
                if progress and duration:
                    progress(min(1.0, frame.time / duration))
        except av.error.InvalidDataError as exc:
            raise CorruptMedia(f"The video of {path} is corrupt and cannot be decoded: {exc}",
                               hint="Re-export the file, or run without --faces.") from None
