"""Write 16 kHz mono float32 audio to a 16-bit WAV file, chunk by chunk."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import av
import numpy as np

from .audio import SAMPLE_RATE


def write_wav(path: str | Path, chunks: Iterable[np.ndarray]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=SAMPLE_RATE, layout="mono")
        for chunk in chunks:
            frame = av.AudioFrame.from_ndarray(
                (np.clip(chunk, -1, 1) * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = SAMPLE_RATE
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path
