"""CAM++ embeddings: unit length, 192-d, and closer for the same voice than for different voices."""

from __future__ import annotations

import numpy as np
import pytest

from castscript.diarization import SpeakerEmbedder
from castscript.synthetic import ANNA, BEN, speak


@pytest.fixture(scope="module")
def embedder() -> SpeakerEmbedder:
    return SpeakerEmbedder(threads=2)


def test_same_voice_is_closer_than_other_voice(embedder):
    anna1 = embedder.embed(speak(ANNA, "The weather today is sunny with a light breeze from the west."))
    anna2 = embedder.embed(speak(ANNA, "Please remember to bring the documents to the meeting tomorrow."))
    ben = embedder.embed(speak(BEN, "Please remember to bring the documents to the meeting tomorrow."))
    assert anna1.shape == (192,) and anna1.dtype == np.float32
    assert np.linalg.norm(anna1) == pytest.approx(1.0, abs=1e-5)
    assert float(anna1 @ anna2) > float(anna2 @ ben) + 0.2


def test_tiny_clip_still_embeds(embedder):
    vector = embedder.embed(np.random.default_rng(0).normal(0, 0.1, 800).astype(np.float32))
    assert np.isfinite(vector).all() and np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
