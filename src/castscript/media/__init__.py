"""Media ingest: probe any file ffmpeg reads and decode its audio once, streaming (PyAV)."""

from .audio import SAMPLE_RATE, decode_audio, iter_audio_chunks
from .probe import probe

__all__ = ["SAMPLE_RATE", "decode_audio", "iter_audio_chunks", "probe"]
