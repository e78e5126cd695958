"""Clustering: count estimation by eigengap and the user's hints, on well-separated synthetic embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from castscript.diarization.clustering import SpeakerCount, assign_pieces, cluster
from castscript.diarization.embedding import l2_normalise


def blobs(sizes: list[int], spread: float = 0.25, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = l2_normalise(rng.normal(size=(len(sizes), 192)))
    points = [l2_normalise(c + spread * rng.normal(size=(n, 192)) / np.sqrt(192)) for c, n in zip(centres, sizes)]
    return np.concatenate(points).astype(np.float32), np.repeat(np.arange(len(sizes)), sizes)


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return len(set(zip(a.tolist(), b.tolist()))) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.parametrize("sizes", [[30, 20, 12], [15, 15], [10, 9, 8, 7, 6]])
def test_estimates_the_number_of_speakers(sizes):
    embeddings, truth = blobs(sizes)
    assert same_partition(cluster(embeddings, SpeakerCount()), truth)


def test_one_voice_stays_one_speaker():
    embeddings, _ = blobs([25])
    assert set(cluster(embeddings, SpeakerCount()).tolist()) == {0}


def test_hints_override_the_estimate():
    embeddings, _ = blobs([20, 20, 20])
    assert len(set(cluster(embeddings, SpeakerCount(num=2)).tolist())) == 2
    assert len(set(cluster(embeddings, SpeakerCount(max=2)).tolist())) == 2
    assert len(set(cluster(embeddings, SpeakerCount(min=5)).tolist())) >= 5


def test_bounds_combine_hints_floor_and_item_count():
    assert SpeakerCount(num=3).bounds(10, floor=5) == (3, 3)
    assert SpeakerCount(max=2).bounds(10, floor=3) == (2, 2)
    assert SpeakerCount().bounds(10, floor=3) == (3, 10)
    assert SpeakerCount(min=4).bounds(2) == (2, 2)


def test_pieces_heard_together_get_different_speakers():
    similarity = np.array([[0.9, 0.2], [0.8, 0.7], [0.1, 0.3]])
    simultaneous = np.array([[False, True, False], [True, False, False], [False, False, False]])
    assert assign_pieces(similarity, simultaneous).tolist() == [0, 1, 1]
