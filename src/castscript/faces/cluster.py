"""Tracks -> people: average-linkage agglomerative clustering of track embeddings under a cannot-link constraint
(two tracks seen at the same time are two people); a track is never split."""

from __future__ import annotations

import numpy as np


def cluster_tracks(embeddings: np.ndarray, spans: list[tuple[float, float]], threshold: float) -> list[int]:
    """Cluster index per track, numbered by first appearance.

    ``embeddings``: one L2-normalised row per track; ``spans``: (first, last) time each track is seen.
    """
    n = len(embeddings)
    if n == 0:
        return []
    starts = np.array([s for s, _ in spans])
    ends = np.array([e for _, e in spans])
    apart = (starts[:, None] <= ends[None, :]) & (starts[None, :] <= ends[:, None])
    np.fill_diagonal(apart, False)
    total = embeddings @ embeddings.T
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    members = [[i] for i in range(n)]
    while True:
        linkage = total / np.outer(sizes, sizes)
        blocked = apart | ~alive[:, None] | ~alive[None, :] | np.eye(n, dtype=bool)
        linkage[blocked] = -np.inf
        a, b = np.unravel_index(np.argmax(linkage), linkage.shape)
        if linkage[a, b] < threshold:
            break
        total[a, :] += total[b, :]
        total[:, a] += total[:, b]
        sizes[a] += sizes[b]
        apart[a, :] |= apart[b, :]
        apart[:, a] |= apart[:, b]
        alive[b] = False
        members[a] += members[b]
    labels = np.empty(n, dtype=int)
    groups = sorted((members[i] for i in range(n) if alive[i]), key=lambda g: min(starts[j] for j in g))
    for number, group in enumerate(groups):
        labels[group] = number
    return labels.tolist()
