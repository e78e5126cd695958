"""faces: people seen in a video (detection, tracking, embeddings), matched to the speakers.

The face engine keys and caches its own analysis (faces.cached_face_analysis, by its FaceOptions and model names).
It finds the shot changes too (no face track crosses one) unless the cuts stage's result is already known; the
pipeline then stores them as the cuts stage's result, so each video is searched for shot changes once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..document import Document
from .base import Report, StageContext

if TYPE_CHECKING:
    from ..faces import FaceAnalysis


class FacesStage:
    name = "faces"
    version = "1"
    cached = False
    """Cached inside the engine (see the module docstring)."""

    @staticmethod
    def decode(data: dict) -> FaceAnalysis:
        from ..faces import FaceAnalysis

        return FaceAnalysis.from_dict(data)

    def params(self, context: StageContext) -> None:
        return None

    def run(self, context: StageContext, progress: Report) -> FaceAnalysis:
        from ..faces import cached_face_analysis

        return cached_face_analysis(context.input_path, context.fingerprint, context.cache, progress,
                                    audio=context.audio.samples, cuts=context.cuts)

    def apply(self, document: Document, result: FaceAnalysis) -> None:
        from ..faces import attach_faces

        attach_faces(document, result)
