"""Linking pieces of speech across windows into global speakers.

Three methods (``CLUSTERING_METHODS``). ``vbx``, the default: the agglomerative tree cut at ahc's threshold, then
Bayesian clustering (VBx without its HMM) that drops the clusters its speaker model cannot support and reassigns the
pieces; ahc answers where the count may be one or VBx's count is outside the bounds. ``ahc``: agglomerative
clustering (average linkage of cosine distances, cut at a threshold calibrated on the dev set's tuning half). A
cluster holding enough clean speech is a speaker; a smaller one is a speaker of its own only when its centroid is far
from every speaker's (someone who says little), otherwise it joins the nearest. ``spectral``: the eigengap of the
normalised Laplacian of the pruned cosine affinity, then k-means. Every way the count is at most the user's
--num/--max-speakers, and at least the number of voices the segmentation model heard in one window (the floor);
speakers the user's count asks for beyond those found are seeded by the engine (``engine._add_voices``); two pieces
heard at the same time in a window never go to one speaker (``assign_pieces``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InvalidOption
from ..core.options import CLUSTERING_METHODS
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
class VbxOptions:
    """vbx: Bayesian clustering of the pieces (VBx without its HMM, as pyannote's community-1 runs it on embeddings)
    started from the agglomerative clusters cut at ``ClusteringOptions.threshold``. No trained PLDA: the embeddings
    are centred on the recording's mean and scaled by one voice's spread measured on the tuning pool
    (``benchmarks/tune_diarization.py --spread``); speakers' means have the prior N(0, phi I)."""

    fa: float = 0.2
    """Scale of the embeddings' likelihood (below 1: pieces overlap and two windows hear each moment)."""
    fb: float = 1.0
    """Weight of the speaker-mean prior."""
    within: float = 0.24
    """Within-speaker variance of CAM++ piece embeddings (the trace of its covariance): 0.24-0.25 over the tuning
    pool's pieces with 1 s of clean speech of one voice (``tune_diarization.py --spread``), against 0.54 for all."""
    phi: float = 1.25
    """Spread of speakers' means per dimension, in units of the within-speaker spread (tuning pool: about 0.30 / 0.24;
    1.25 gave the tuning part's best count, 1.2 one file fewer)."""
    min_prior: float = 1e-3
    """Speakers whose prior weight ends below this are dropped."""
    smoothing: float = 7.0
    """Softmax scale of the starting clusters' one-hot responsibilities."""
    iterations: int = 20


@dataclass(frozen=True)
class ClusteringOptions:
    method: str = CLUSTERING_METHODS[0]
    threshold: float = 0.44
    """ahc: clusters whose members are on average closer than this (cosine distance) are one speaker."""
    min_speaker_seconds: float = 3.0
    """ahc: a cluster with this much clean speech heard is a speaker."""
    same_voice: float = 0.75
    """ahc: to reach a count (the user's, or the voices heard together in one window), the tree is cut lower only when
    no two speakers' centroids are then more cosine-similar than this; otherwise the cut split one voice in two
    (tuning pool: two speakers at most 0.70; halves of one voice split to reach the true count 0.80-0.91)."""
    distinct: tuple[tuple[float, float], ...] = ((1.5, 0.8), (0.5, 0.92))
    """ahc: (seconds, distance), largest first: a smaller cluster with at least ``seconds`` of clean speech heard whose
    centroid is at least ``distance`` (Euclidean, unit centroids) from every speaker's is a speaker of its own
    (someone who says little); nearer, it is one of them heard badly and joins the nearest."""
    centre: bool = False
    """Subtract the recording's mean embedding (then length-normalise) before clustering."""
    prune_fraction: float = 0.2
    """Each row of the affinity keeps this fraction of its strongest neighbours (at least ``min_neighbours``)."""
    min_neighbours: int = 6
    merge_similarity: float = 0.6
    """When no window has two voices and the user allows one speaker, clusters whose centroids are at least this
    cosine-similar are one speaker."""
    vbx: VbxOptions = VbxOptions()

    def __post_init__(self) -> None:
        if self.method not in CLUSTERING_METHODS:
            raise InvalidOption(f"Unknown clustering method {self.method!r}.", hint=f"Choose one of: {', '.join(CLUSTERING_METHODS)}.")


def cluster(
    embeddings: np.ndarray,
    count: SpeakerCount,
    options: ClusteringOptions = ClusteringOptions(),
    floor: int = 1,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Cluster index (0..k-1) of each L2-normalised embedding, k within the count's bounds; ``weights`` are the
    seconds of clean speech heard behind each embedding (ahc's minimum speaker size)."""
    items = len(embeddings)
    low, high = count.bounds(items, floor)
    if high <= 1:
        return np.zeros(items, dtype=int)
    if options.centre:
        embeddings = l2_normalise(embeddings - embeddings.mean(axis=0))
    weights = np.ones(items) if weights is None else weights
    if options.method == "ahc":
        return agglomerative(embeddings, weights, low, high, options)
    if options.method == "vbx":
        return vbx(embeddings, weights, low, high, options)
    return spectral(embeddings, low, high, options)


def agglomerative(embeddings: np.ndarray, weights: np.ndarray, low: int, high: int, options: ClusteringOptions,
                  cut: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Average-linkage clusters cut at the threshold (``cut``: ``_cut_tree``'s answer, when already computed); the
    speakers (``_speakers``) are brought down to ``high`` by keeping the largest, and up to ``low`` by cutting the tree
    lower when that finds distinct voices, not one voice split in two (``ClusteringOptions.same_voice``); the other
    clusters join the nearest speaker."""
    tree, labels = cut or _cut_tree(embeddings, options.threshold)
    speakers = _speakers(embeddings, labels, weights, options)
    if len(speakers) < low:
        lower, more = _cut_lower(tree, embeddings, labels, weights, low, options)
        if _most_similar(embeddings, lower, more) < options.same_voice:
            labels, speakers, high = lower, more, low
    return _join_small(embeddings, labels, speakers[: max(1, min(len(speakers), high))])


def _cut_tree(embeddings: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The average-linkage tree of cosine distances, and its clusters (0..k-1) cut at ``threshold``."""
    from scipy.cluster.hierarchy import fcluster, linkage  # scipy (0.35 s to import) only when clustering runs

    tree = linkage(embeddings, method="average", metric="cosine")
    return tree, fcluster(tree, threshold, criterion="distance") - 1


def _cut_lower(tree: np.ndarray, embeddings: np.ndarray, labels: np.ndarray, weights: np.ndarray, low: int,
               options: ClusteringOptions) -> tuple[np.ndarray, list[int]]:
    """Labels and speakers of the highest cut of the tree that gives ``low`` speakers (or every cluster a speaker
    when none does)."""
    from scipy.cluster.hierarchy import fcluster

    clusters, speakers = len(np.unique(labels)), []
    while len(speakers) < low and clusters < len(embeddings):
        clusters += 1
        labels = fcluster(tree, clusters, criterion="maxclust") - 1
        speakers = _speakers(embeddings, labels, weights, options)
    return labels, speakers if len(speakers) >= low else _large_clusters(labels, weights, 0.0)


def _most_similar(embeddings: np.ndarray, labels: np.ndarray, speakers: list[int]) -> float:
    """The highest cosine similarity between two speakers' centroids."""
    centroids = np.stack([_centroid(embeddings, labels, c) for c in speakers])
    similarity = centroids @ centroids.T
    np.fill_diagonal(similarity, -1.0)
    return float(similarity.max()) if len(speakers) > 1 else -1.0


def _speakers(embeddings: np.ndarray, labels: np.ndarray, weights: np.ndarray, options: ClusteringOptions) -> list[int]:
    """The clusters that are speakers: the large ones (at least the largest one), then each smaller one (largest
    first) that is distinct enough (``ClusteringOptions.distinct``) from every speaker so far."""
    speakers = _large_clusters(labels, weights, options.min_speaker_seconds) or _large_clusters(labels, weights, 0.0)[:1]
    if not options.distinct:
        return speakers
    totals = np.bincount(labels, weights=weights)
    centroids = {c: _centroid(embeddings, labels, c) for c in speakers}
    for c in _large_clusters(labels, weights, options.distinct[-1][0]):
        if c in centroids:
            continue
        need = next(distance for seconds, distance in options.distinct if totals[c] >= seconds)
        centroid = _centroid(embeddings, labels, c)
        if min(np.linalg.norm(centroid - other) for other in centroids.values()) >= need:
            speakers.append(c)
            centroids[c] = centroid
    return speakers


def _centroid(embeddings: np.ndarray, labels: np.ndarray, cluster: int) -> np.ndarray:
    return l2_normalise(embeddings[labels == cluster].mean(axis=0, keepdims=True))[0]


def _large_clusters(labels: np.ndarray, weights: np.ndarray, least: float) -> list[int]:
    """Clusters holding at least ``least`` seconds, the largest first."""
    totals = np.bincount(labels, weights=weights)
    order = np.argsort(-totals, kind="stable")
    return [int(c) for c in order if totals[c] >= least and totals[c] > 0]


def _join_small(embeddings: np.ndarray, labels: np.ndarray, large: list[int]) -> np.ndarray:
    """Labels 0..len(large)-1: each other cluster joins the large cluster whose centroid is most similar to its own."""
    centroids = l2_normalise(np.stack([embeddings[labels == c].mean(axis=0) for c in large]))
    out = np.empty(len(labels), dtype=int)
    for c in np.unique(labels):
        members = labels == c
        out[members] = large.index(c) if c in large else int(np.argmax(centroids @ embeddings[members].mean(axis=0)))
    return out


def vbx(embeddings: np.ndarray, weights: np.ndarray, low: int, high: int, options: ClusteringOptions) -> np.ndarray:
    """VBx from the agglomerative tree cut at ``ClusteringOptions.threshold``: speakers whose prior collapses are
    dropped, each piece goes to its most likely speaker. ``agglomerative`` answers instead where the count may be one
    (no window heard two voices and the user allows one speaker: VBx keeps any small cluster its model supports, which
    split a monologue in two, jfk.flac) and where VBx's count is outside [low, high] (ahc's count rules serve hints)."""
    cut = _cut_tree(embeddings, options.threshold)
    if low < 2:
        return agglomerative(embeddings, weights, low, high, options, cut)
    responsibilities, prior = vb_gmm(embeddings, weights, cut[1], options.vbx)
    kept = prior >= options.vbx.min_prior
    labels = np.unique(np.argmax(responsibilities[:, kept], axis=1), return_inverse=True)[1]
    if not low <= labels.max() + 1 <= high:
        return agglomerative(embeddings, weights, low, high, options, cut)
    return labels


def _vbx_features(embeddings: np.ndarray, weights: np.ndarray, within: float) -> np.ndarray:
    """Embeddings centred on their weighted mean, in units of one voice's spread per dimension (``within``: the
    total within-speaker variance)."""
    centred = embeddings - np.average(embeddings, axis=0, weights=weights)
    return centred / np.sqrt(within / embeddings.shape[1])


def vb_gmm(embeddings: np.ndarray, weights: np.ndarray, start: np.ndarray, settings: VbxOptions) -> tuple[np.ndarray, np.ndarray]:
    """Mean-field VB for speakers with unit within-speaker covariance and N(0, phi I) means (VBx with loop
    probability 0) on the scaled embeddings (``_vbx_features``), each piece weighted by its seconds, started from the
    clusters ``start``: (responsibilities [pieces, speakers], prior weights)."""
    from scipy.special import logsumexp, softmax

    features = _vbx_features(embeddings, weights, settings.within)
    one_hot = np.eye(int(start.max()) + 1)[start]
    gamma = softmax(settings.smoothing * one_hot, axis=1)
    prior = np.full(gamma.shape[1], 1.0 / gamma.shape[1])
    dims, ratio = features.shape[1], settings.fa / settings.fb
    constant = -0.5 * ((features**2).sum(axis=1, keepdims=True) + dims * np.log(2 * np.pi))
    rho = features * np.sqrt(settings.phi)
    for _ in range(settings.iterations):
        weighted = gamma * weights[:, None]
        inverse = 1.0 / (1.0 + ratio * weighted.sum(axis=0)[:, None] * settings.phi)  # [speakers, 1]
        alpha = ratio * inverse * (weighted.T @ rho)  # posterior speaker means, [speakers, dims]
        log_p = settings.fa * (rho @ alpha.T - 0.5 * settings.phi * (dims * inverse.T + (alpha**2).sum(axis=1)) + constant)
        log_p = log_p * weights[:, None] + np.log(np.maximum(prior, 1e-300))
        gamma = np.exp(log_p - logsumexp(log_p, axis=1, keepdims=True))
        prior = (gamma * weights[:, None]).sum(axis=0)
        prior /= prior.sum()
    return gamma, prior


def spectral(embeddings: np.ndarray, low: int, high: int, options: ClusteringOptions) -> np.ndarray:
    """Eigengap count (within [low, high]) and k-means in the spectral embedding."""
    items = len(embeddings)
    spectral, eigenvalues = _spectral_embedding(embeddings, options, min(high + 1, items))
    k = low if low == high else _eigengap_count(eigenvalues, max(low, 2), min(high, items - 1))
    from sklearn.cluster import KMeans  # 0.9 s to import: only the spectral method needs it

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
    import scipy.linalg

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
