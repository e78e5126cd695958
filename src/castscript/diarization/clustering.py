"""Linking pieces of speech across windows into global speakers: spectral clustering with an eigengap count estimate.

The count is the user's when given (exact, or within --min/--max). Otherwise it is the largest eigengap of the
normalised Laplacian of the pruned cosine affinity, at least the number of voices the segmentation model heard in one
window (the floor). With a floor of one (no window with two voices, as in a monologue), clusters whose centroids are
still similar are merged, since the eigengap cannot say "one speaker". Plain cosine agglomerative clustering on raw
embeddings was measured to fail on this data (DESIGN.md); spectral clustering does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from sklearn.cluster import KMeans

from .embedding import l2_normalise


@dataclass(frozen=True)
class SpeakerCount:
    """The user's hint: an exact count, or bounds; none means estimate freely (up to ``max_estimate``)."""

    num: int | None = None
    min: int | None = None
    max: int | None = None
    max_estimate: int = 20

    def bounds(self, items: int, floor: int = 1) -> tuple[int, int]:
        """(lowest, highest) number of clusters for ``items`` embeddings; ``floor`` is a soft lower bound that the
        user's bounds override."""
        if self.num is not None:
            return min(self.num, items), min(self.num, items)
        high = min(self.max or self.max_estimate, items)
        low = min(max(self.min or 1, floor), high)
        return low, high


@dataclass(frozen=True)
class ClusteringOptions:
    prune_fraction: float = 0.2
    """Each row of the affinity keeps this fraction of its strongest neighbours (at least ``min_neighbours``)."""
    min_neighbours: int = 6
    merge_similarity: float = 0.6
    """When no window has two voices and the user allows one speaker, clusters whose centroids are at least this
    cosine-similar are one speaker."""


def cluster(
    embeddings: np.ndarray, count: SpeakerCount, options: ClusteringOptions = ClusteringOptions(), floor: int = 1
) -> np.ndarray:
    """Cluster index (0..k-1) of each L2-normalised embedding, k within the count's bounds."""
    items = len(embeddings)
    low, high = count.bounds(items, floor)
    if high <= 1:
        return np.zeros(items, dtype=int)
    spectral, eigenvalues = _spectral_embedding(embeddings, options, min(high + 1, items))
    k = low if low == high else _eigengap_count(eigenvalues, max(low, 2), min(high, items - 1))
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(l2_normalise(spectral[:, :k]))
    if low == 1:
        labels = _merge_similar(embeddings, labels, low, options.merge_similarity)
    return labels


def _spectral_embedding(
    embeddings: np.ndarray, options: ClusteringOptions, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvectors (columns) and eigenvalues of the ``count`` smallest eigenvalues of the pruned affinity's
    normalised Laplacian."""
    affinity = embeddings @ embeddings.T
    keep = max(options.min_neighbours, int(np.ceil(options.prune_fraction * len(affinity))))
    if keep < len(affinity):
        weakest = np.argsort(affinity, axis=1)[:, : len(affinity) - keep]
        np.put_along_axis(affinity, weakest, 0.0, axis=1)
    affinity = np.clip(0.5 * (affinity + affinity.T), 0.0, None)
    np.fill_diagonal(affinity, 0.0)
    scale = 1.0 / np.sqrt(np.maximum(affinity.sum(axis=1), 1e-9))
    laplacian = np.eye(len(affinity)) - scale[:, None] * affinity * scale[None, :]
    eigenvalues, eigenvectors = scipy.linalg.eigh(laplacian, subset_by_index=[0, count - 1])
    return eigenvectors, eigenvalues


def _eigengap_count(eigenvalues: np.ndarray, low: int, high: int) -> int:
    """The k in [low, high] after which the Laplacian's eigenvalues jump most."""
    if high <= low:
        return low
    gaps = np.diff(eigenvalues[: high + 1])
    return low + int(np.argmax(gaps[low - 1 : high]))


def _merge_similar(embeddings: np.ndarray, labels: np.ndarray, low: int, threshold: float) -> np.ndarray:
    """Merge the most similar pair of clusters while their centroids are at least ``threshold`` similar."""
    labels = labels.copy()
    while True:
        ids = np.unique(labels)
        if len(ids) <= low:
            break
        centroids = l2_normalise(np.stack([embeddings[labels == i].mean(axis=0) for i in ids]))
        similarity = centroids @ centroids.T
        np.fill_diagonal(similarity, -np.inf)
        a, b = np.unravel_index(np.argmax(similarity), similarity.shape)
        if similarity[a, b] < threshold:
            break
        labels[labels == ids[b]] = ids[a]
    return np.unique(labels, return_inverse=True)[1]


def centroids_of(embeddings: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """[k, dim] L2-normalised weighted mean embedding of each cluster."""
    k = int(labels.max()) + 1 if len(labels) else 0
    return l2_normalise(np.stack([(embeddings[labels == i] * weights[labels == i, None]).sum(axis=0) for i in range(k)]))


def assign_pieces(similarity: np.ndarray, simultaneous: np.ndarray) -> np.ndarray:
    """Cluster of each piece of one window: the most similar centroid not already taken by a piece heard at the
    same time (``simultaneous[i, j]``), most confident pieces first."""
    chosen = np.full(len(similarity), -1)
    for piece in np.argsort(-similarity.max(axis=1), kind="stable"):
        blocked = set(chosen[simultaneous[piece] & (chosen >= 0)].tolist())
        ranked = np.argsort(-similarity[piece], kind="stable")
        chosen[piece] = next((c for c in ranked if c not in blocked), ranked[0])
    return chosen
