"""Speaker diarization without torch: pyannote segmentation-3.0 and CAM++ (ONNX), clustering, overlap-aware turns."""

from .embedding import SpeakerEmbedder
from .engine import ENGINE_VERSION, DiarizationOptions, DiarizationResult, Diarizer, diarize

__all__ = ["ENGINE_VERSION", "DiarizationOptions", "DiarizationResult", "Diarizer", "SpeakerEmbedder", "diarize"]
