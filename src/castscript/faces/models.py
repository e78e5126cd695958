"""YuNet face detection and SFace face embeddings through OpenCV.

OpenCV 5's ``FaceRecognizerSF.feature()`` rejects the block-quantized int8 SFace file, so the recognizer only aligns
the face (``alignCrop``, 112x112) and the network itself runs through ``cv2.dnn`` with its input named explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import models
from ..core.vectors import l2_normalise
from ..core.errors import ModelNotFound

DETECTOR = "yunet-2023mar"
EMBEDDER = "sface-2021dec-int8bq"


@dataclass(frozen=True)
class Detection:
    box: np.ndarray
    """x, y, w, h in the pixels of the frame it was found in."""
    landmarks: np.ndarray
    """Five (x, y) points: eyes, nose tip, mouth corners."""
    score: float

    def scaled(self, factor: float) -> Detection:
        return Detection(self.box * factor, self.landmarks * factor, self.score)

    def as_row(self) -> np.ndarray:
        """The 15-value row layout YuNet returns and ``alignCrop`` expects."""
        return np.concatenate([self.box, self.landmarks.reshape(-1), [self.score]]).astype(np.float32)


class FaceModels:
    """Load once, then ``detect(image)`` and ``embed(image, detection)``; model folders resolve like every model."""

    def __init__(self, detector_dir: str | Path | None = None, embedder_dir: str | Path | None = None,
                 min_score: float = 0.8):
        import cv2

        self._cv2 = cv2
        detector = models.resolve(DETECTOR, detector_dir) / models.get_model(DETECTOR).main_file()
        embedder = models.resolve(EMBEDDER, embedder_dir) / models.get_model(EMBEDDER).main_file()
        # OpenCV 5 warns on every load that its new graph engine ignores the (default) compute target.
        previous = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        try:
            self._detector = cv2.FaceDetectorYN.create(str(detector), "", (320, 320), min_score, 0.3, 5000)
            self._aligner = cv2.FaceRecognizerSF.create(str(embedder), "")
            self._embedder = cv2.dnn.readNetFromONNX(str(embedder))
        except cv2.error as exc:
            raise ModelNotFound(
                f"OpenCV cannot load the face models ({detector}, {embedder}): {exc.msg.strip()}",
                hint="Reinstall the model bundle ('castscript models fetch DIR') and opencv-python-headless>=5.",
            ) from None
        finally:
            cv2.utils.logging.setLogLevel(previous)
        self._size: tuple[int, int] | None = None

    def detect(self, image: np.ndarray) -> list[Detection]:
        height, width = image.shape[:2]
        if self._size != (width, height):
            self._detector.setInputSize((width, height))
            self._size = (width, height)
        _, faces = self._detector.detect(image)
        if faces is None:
            return []
        return [Detection(row[:4].copy(), row[4:14].reshape(5, 2).copy(), float(row[14])) for row in faces]

    def embed(self, image: np.ndarray, detection: Detection) -> np.ndarray:
        """L2-normalised 128-d SFace embedding of the face in ``image`` (BGR)."""
        crop = self._aligner.alignCrop(image, detection.as_row())
        blob = self._cv2.dnn.blobFromImage(crop, 1.0, (112, 112), (0, 0, 0), swapRB=True)
        self._embedder.setInput(blob, "data")
        vector = self._embedder.forward().reshape(-1)
        return l2_normalise(vector)
