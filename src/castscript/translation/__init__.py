"""Translation of transcripts: a Translator protocol with Bergamot (offline), Whisper, DeepL and OpenAI backends."""

from .base import Batch, Line, Translator
from .stage import make_translator, translate_document

__all__ = ["Batch", "Line", "Translator", "make_translator", "translate_document"]
