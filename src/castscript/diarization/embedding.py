"""CAM++ speaker embeddings (3D-Speaker, ONNX) from Kaldi-style 80-bin log-mel fbank."""

from __future__ import annotations

from pathlib import Path

import kaldi_native_fbank as knf
import numpy as np

from ..core.vectors import l2_normalise
from ..media import SAMPLE_RATE
from .onnx import model_file, session

MODEL_NAME = "campplus-zh-en-common"
EMBEDDING_DIM = 192
FRAME_SHIFT = 0.010
"""Seconds between fbank frames."""
FRAME_LENGTH = 0.025
MIN_FRAMES = 10
"""CAM++ needs a few frames of context; shorter input is padded by repetition."""


def fbank(audio: np.ndarray) -> np.ndarray:
    """[frames, 80] log-mel fbank of 16 kHz mono float32 audio (25 ms windows every 10 ms, no dither)."""
    options = knf.FbankOptions()
    options.frame_opts.samp_freq = SAMPLE_RATE
    options.frame_opts.dither = 0.0
    options.mel_opts.num_bins = 80
    extractor = knf.OnlineFbank(options)
    extractor.accept_waveform(SAMPLE_RATE, np.ascontiguousarray(audio, dtype=np.float32))
    extractor.input_finished()
    count = extractor.num_frames_ready
    if count == 0:
        return np.zeros((0, 80), dtype=np.float32)
    return np.stack([extractor.get_frame(i) for i in range(count)]).astype(np.float32, copy=False)


class SpeakerEmbedder:
    """L2-normalised 192-d CAM++ embeddings of speech, from audio clips or from fbank frames."""

    def __init__(self, model_dir: str | Path | None = None, threads: int = 0, device: str = "cpu"):
        self._session = session(model_file(MODEL_NAME, model_dir), threads, device)

    def embed(self, audio: np.ndarray) -> np.ndarray:
        """Embedding of one clip of 16 kHz mono float32 audio (at least 25 ms long)."""
        return self.embed_features(fbank(audio))

    def embed_features(self, features: np.ndarray) -> np.ndarray:
        """Embedding of [frames, 80] fbank frames (mean-normalised here, as CAM++ was trained)."""
        if len(features) == 0:
            raise ValueError("cannot embed an empty clip: need at least 25 ms of audio")
        if len(features) < MIN_FRAMES:
            features = np.resize(features, (MIN_FRAMES, features.shape[1]))
        features = features - features.mean(axis=0, keepdims=True)
        output = self._session.run(None, {"x": features[np.newaxis].astype(np.float32)})[0][0]
        return l2_normalise(output)
