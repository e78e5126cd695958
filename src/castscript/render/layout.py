"""Where a subtitle block goes and how wide its text is, estimated from character widths (no font rendering):
below the speaker's face, else above it, else at the bottom under it; always inside the frame."""

from __future__ import annotations

import unicodedata
from ..faces import FaceBox
from ..subtitles import CueRules, wrap_lines

NARROW_EM = 0.56
"""Average advance of a proportional (Latin, Cyrillic, Arabic...) character, in font sizes (generous for bold)."""
WIDE_EM = 1.0
"""Advance of a full-width (CJK) character."""
LINE_HEIGHT = 1.3
"""Line pitch of a box-style block, in font sizes."""


def em_width(text: str) -> float:
    """Estimated width of ``text`` in font sizes."""
    return sum(WIDE_EM if unicodedata.east_asian_width(c) in "WF" else NARROW_EM for c in text)


def chars_per_line(text: str, max_width: float, font_size: float) -> int:
    """How many characters of text like ``text`` fit in ``max_width`` px."""
    per_char = em_width(text) / len(text) if text else NARROW_EM
    return max(4, int(max_width / (per_char * font_size)))


def wrap(text: str, max_width: float, font_size: float, max_lines: int) -> list[str]:
    """``text`` broken into lines that fit ``max_width`` px (more than ``max_lines`` only when it cannot fit)."""
    rules = CueRules(max_chars_per_line=chars_per_line(text, max_width, font_size), max_lines=max_lines)
    return wrap_lines(text, rules)


def place_block(face: FaceBox | None, home_x: float, block: tuple[float, float], frame: tuple[int, int],
                margin: float) -> tuple[float, float]:
    """(centre x, top y) of a ``block`` (width, height px) inside ``frame`` (width, height px): below ``face``, else
    above it, else at the bottom under it; at the bottom around ``home_x`` when there is no face."""
    (block_w, block_h), (frame_w, frame_h) = block, frame
    half = min(block_w / 2, frame_w / 2 - margin)
    x = face.center_x if face is not None else home_x
    x = min(max(x, margin + half), frame_w - margin - half)
    if face is not None:
        below = face.y + face.h + margin
        if below + block_h <= frame_h - margin:
            return x, below
        if face.y - margin - block_h >= margin:
            return x, face.y - margin - block_h
    return x, max(margin, frame_h - margin - block_h)
