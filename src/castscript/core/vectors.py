"""Vector helpers: the one L2 normalisation (speaker, voice and face embeddings)."""

from __future__ import annotations

import numpy as np

EPSILON = 1e-12


def l2_normalise(vectors: np.ndarray, axis: int = -1) -> np.ndarray:
    """``vectors`` scaled to unit length along ``axis`` (a zero vector stays zero); float32 stays float32."""
    vectors = np.asarray(vectors)
    norms = np.linalg.norm(vectors, axis=axis, keepdims=True)
    return vectors / np.maximum(norms, EPSILON).astype(vectors.dtype if vectors.dtype.kind == "f" else np.float64)
