"""Clustering: count estimation by eigengap and the user's hints, on well-separated synthetic embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from castscript.diarization.clustering import ClusteringOptions, SpeakerCount, VbxOptions, assign_pieces, cluster, vb_gmm
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
    assert len(set(cluster(embeddings, SpeakerCount(min=5)).tolist())) == 3  # no two more voices: the engine seeds them


def two_voices(similarity: float, seed: int = 0) -> np.ndarray:
    """20 pieces each of two voices whose centres are ``similarity`` cosine-similar."""
    rng = np.random.default_rng(seed)
    a, b = l2_normalise(rng.normal(size=(2, 192)))
    b = l2_normalise(b - (b @ a) * a)
    centres = (a, similarity * a + np.sqrt(1 - similarity**2) * b)
    return np.concatenate([l2_normalise(c + 0.5 * rng.normal(size=(20, 192)) / np.sqrt(192)) for c in centres])


def test_a_count_cuts_the_tree_lower_only_to_find_distinct_voices():
    """Two voices 0.72 similar merge at the threshold; told there are two, the lower cut separates them. Voices 0.8
    similar, or one voice, split by a lower cut would be one voice in two halves: the clustering keeps one."""
    near = two_voices(0.72)
    assert set(cluster(near, SpeakerCount()).tolist()) == {0}
    assert same_partition(cluster(near, SpeakerCount(num=2)), np.repeat([0, 1], 20))
    assert set(cluster(two_voices(0.8), SpeakerCount(min=2)).tolist()) == {0}
    assert set(cluster(two_voices(1.0), SpeakerCount(num=2)).tolist()) == {0}


def test_bounds_combine_hints_floor_and_item_count():
    assert SpeakerCount(num=3).bounds(10, floor=5) == (3, 3)
    assert SpeakerCount(max=2).bounds(10, floor=3) == (2, 2)
    assert SpeakerCount().bounds(10, floor=3) == (3, 10)
    assert SpeakerCount(min=4).bounds(2) == (2, 2)


def test_pieces_heard_together_get_different_speakers():
    similarity = np.array([[0.9, 0.2], [0.8, 0.7], [0.1, 0.3]])
    simultaneous = np.array([[False, True, False], [True, False, False], [False, False, False]])
    assert assign_pieces(similarity, simultaneous).tolist() == [0, 1, 1]


def with_small_cluster(distance: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy voices (30 and 20 pieces, 0.5 s heard each) and two pieces (0.4 s each) of a third voice whose centre is
    ``distance`` (Euclidean, unit vectors) from the first voice's centre."""
    rng = np.random.default_rng(seed)
    first, second, other = l2_normalise(rng.normal(size=(3, 192)))
    other = l2_normalise(other - (other @ first) * first)  # orthogonal to the first centre
    cos = 1 - distance**2 / 2
    small = cos * first + np.sqrt(1 - cos**2) * other
    points = [l2_normalise(c + 0.75 * rng.normal(size=(n, 192)) / np.sqrt(192)) for c, n in ((first, 30), (second, 20), (small, 2))]
    return np.concatenate(points), np.array([0.5] * 50 + [0.4, 0.4])


@pytest.mark.parametrize("distance, speakers", [(0.8, 2), (1.2, 3)])
def test_a_small_cluster_is_a_speaker_only_when_far_from_every_speaker(distance, speakers):
    """ahc: 0.8 s of clean speech heard is under min_speaker_seconds: far from both voices it is someone who says little
    (kept), near one of them it is that voice heard badly (joins it)."""
    embeddings, weights = with_small_cluster(distance)
    labels = cluster(embeddings, SpeakerCount(), ClusteringOptions(method="ahc"), weights=weights)
    assert len(set(labels.tolist())) == speakers
    assert len(set(labels[:30].tolist())) == 1 and labels[50] == labels[51]
    assert (labels[50] == labels[0]) == (speakers == 2)


def test_vbx_merges_one_voice_started_as_two_clusters_and_keeps_two_voices_apart():
    """Started from three clusters, the second voice cut in two halves: the halves end as one speaker (one prior
    collapses), the two voices stay two."""
    embeddings, truth = blobs([30, 24], spread=0.6)
    start = truth.copy()
    start[30:42] = 2
    weights = np.ones(len(embeddings))
    responsibilities, prior = vb_gmm(embeddings, weights, start, VbxOptions())
    kept = prior >= VbxOptions().min_prior
    assert kept.sum() == 2
    assert same_partition(np.argmax(responsibilities[:, kept], axis=1), truth)


def test_vbx_outside_the_count_falls_back_to_agglomerative():
    """Told two speakers where VBx keeps three voices, vbx answers as ahc does (its count rules serve hints)."""
    embeddings, _ = blobs([20, 20, 20])
    hinted = SpeakerCount(num=2)
    labels = cluster(embeddings, hinted)
    assert len(set(labels.tolist())) == 2
    assert labels.tolist() == cluster(embeddings, hinted, ClusteringOptions(method="ahc")).tolist()
