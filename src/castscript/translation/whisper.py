"""Any language -> English with the ASR model's own translate task, on each segment's stretch of audio."""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from ..asr import AsrOptions, transcribe
from ..core.errors import InvalidOption, TranslationError
from ..media import SAMPLE_RATE
from .base import Batch, base_language

PADDING_SECONDS = 0.2
AudioLoader = Callable[[], np.ndarray]


class WhisperTranslator:
    name = "whisper"
    batch_size = 8

    def __init__(self, audio: AudioLoader, asr_options: AsrOptions):
        self.audio = audio
        """Called for the input's samples when a line is first translated (decoding is skipped when all are cached)."""
        self.asr_options = asr_options
        self.model = f"whisper-{asr_options.model}"

    def translate(self, batch: Batch, source: str, target: str) -> list[str]:
        if base_language(target) != "en":
            raise TranslationError(
                f"Whisper translates only into English, not into '{target}'.",
                hint="Pick --translator bergamot, deepl or openai for other target languages.",
            )
        options = dataclasses.replace(
            self.asr_options, task="translate", language=base_language(source), multilingual=False, initial_prompt=None
        )
        return [self._translate_span(line.start, line.end, options) for line in batch.lines]

    def _translate_span(self, start: float, end: float, options: AsrOptions) -> str:
        first = max(0, int((start - PADDING_SECONDS) * SAMPLE_RATE))
        last = int((end + PADDING_SECONDS) * SAMPLE_RATE)
        try:
            result = transcribe(self.audio()[first:last], options)
        except InvalidOption as exc:
            raise TranslationError(f"Whisper cannot translate from this language: {exc.message}",
                                   hint=exc.hint) from None
        return " ".join(segment.text.strip() for segment in result.segments if segment.text.strip())
