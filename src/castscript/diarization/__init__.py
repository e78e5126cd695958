"""Speaker diarization without torch: pyannote segmentation-3.0 and CAM++ (ONNX), clustering, overlap-aware turns."""

from .embedding import SpeakerEmbedder

__all__ = ["SpeakerEmbedder"]
