"""Speech recognition with faster-whisper (CTranslate2): VAD, batching, word timestamps, language detection."""

from .transcribe import AsrOptions, AsrResult, load_whisper, transcribe

__all__ = ["AsrOptions", "AsrResult", "load_whisper", "transcribe"]
