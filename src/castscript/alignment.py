"""Forced alignment of an edited line's new text on its audio, so word highlighting stays true after an edit.

Whisper's own aligner (CTranslate2 ``align``: cross-attention + DTW, what faster-whisper uses for word timestamps)
is given the line's audio and the new text; no torch. Lines longer than one 30 s window, or text whose words do not
map onto the aligner's words, keep the proportional estimate of ``editing.retime_words``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .document import Segment, Word

SAMPLE_RATE = 16000
PAD = 0.3
"""Seconds of audio either side of the line (its times may be tight)."""
WINDOW = 30.0
PUNCTUATION = re.compile(r"^[^\w]+$")


@dataclass
class WhisperAligner:
    """Aligns lines of one media file with a Whisper model (loaded on first use)."""

    media: Path
    model: str = "base"
    threads: int = 0
    _whisper: object = field(default=None, init=False, repr=False)

    def words(self, segment: Segment, language: str | None) -> list[Word] | None:
        """New word timings for ``segment.text``, or None when the line cannot be aligned."""
        tokens = segment.text.split()
        start = max(0.0, segment.start - PAD)
        if not tokens or not language or segment.end + PAD - start > WINDOW or not self.media.is_file():
            return None
        audio = _clip(self.media, start, segment.end + PAD)
        if len(audio) < SAMPLE_RATE // 10:
            return None
        aligned = self._align(audio, " " + " ".join(tokens), language)
        timed = _to_tokens(tokens, aligned)
        if timed is None:
            return None
        clamp = lambda t: round(min(max(start + t, segment.start), segment.end), 3)  # noqa: E731
        return [Word(clamp(a), clamp(max(b, a + 0.01)), token, 1.0, segment.speaker) for token, (a, b) in zip(tokens, timed)]

    def _align(self, audio: np.ndarray, text: str, language: str) -> list[dict]:
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        from .asr.transcribe import load_whisper

        if self._whisper is None:
            self._whisper = load_whisper(self.model, "cpu", "int8", self.threads)
        whisper = self._whisper
        features = whisper.feature_extractor(audio)
        encoded = whisper.encode(pad_or_trim(features))
        tokenizer = Tokenizer(whisper.hf_tokenizer, whisper.model.is_multilingual, task="transcribe", language=language)
        return whisper.find_alignment(tokenizer, [tokenizer.encode(text)], encoded, features.shape[-1])[0]


def _clip(media: Path, start: float, end: float) -> np.ndarray:
    """[start, end] of the media as 16 kHz mono float32 (ffmpeg seeks, so a long file is not decoded whole)."""
    command = ["ffmpeg", "-v", "error", "-ss", f"{start:.3f}", "-t", f"{end - start:.3f}", "-i", str(media),
               "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "-"]
    result = subprocess.run(command, capture_output=True, check=False)
    return np.frombuffer(result.stdout, np.float32) if result.returncode == 0 else np.zeros(0, np.float32)


def _to_tokens(tokens: list[str], aligned: list[dict]) -> list[tuple[float, float]] | None:
    """(start, end) per whitespace token from the aligner's words (which split punctuation off); punctuation does
    not stretch a word over the pause after it. None when the texts do not match up."""
    spans: list[tuple[float, float]] = []
    words = [(w["word"].strip(), float(w["start"]), float(w["end"])) for w in aligned if w["word"].strip()]
    position = 0
    for token in tokens:
        text, first, last = "", None, None
        while position < len(words) and len(text) < len(token):
            word, start, end = words[position]
            text += word
            if first is None:
                first = start
            if not PUNCTUATION.match(word) or last is None:
                last = end
            position += 1
        if text != token or first is None:
            return None
        spans.append((first, last))
    return spans if position == len(words) else None
