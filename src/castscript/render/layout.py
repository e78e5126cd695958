"""Where a live subtitle block goes and how wide its text is, estimated from character widths (no font rendering).

A block goes above its speaker's head, else beside it (towards the middle of the frame first), else below it,
following the face from the start to the end of the shot; it must lie inside the title-safe area and clear of every
face seen meanwhile and of the blocks other speakers show at the same time. Without the speaker's face in the shot
(or without room) it goes to the bottom centre (the classic place), else the bottom of the speaker's half of the
frame, else the top.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..faces import FaceAnalysis, FaceBox
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


TITLE_SAFE = 0.05
"""Title-safe margin on each side, as a share of the frame (EBU R 95 graphics-safe area for 16:9)."""
SLACK = 0.25
"""Seconds around a shot piece whose face boxes still count."""
FOLLOW_WINDOW = 0.6
"""A block that follows its speaker's face has to clear that face only within this many seconds of each end."""


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def around(cls, cx: float, cy: float, size: tuple[float, float]) -> Rect:
        return cls(cx - size[0] / 2, cy - size[1] / 2, cx + size[0] / 2, cy + size[1] / 2)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    def overlaps(self, other: Rect) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def inside(self, other: Rect) -> bool:
        return self.x0 >= other.x0 - 1 and self.y0 >= other.y0 - 1 and self.x1 <= other.x1 + 1 and self.y1 <= other.y1 + 1


@dataclass(frozen=True)
class Placement:
    """The block's rectangle at the start and at the end of its shot piece (equal unless it follows a face)."""

    start: Rect
    end: Rect
    kind: str

    def tag(self, a: float, b: float, start: float, end: float) -> str:
        """ASS position of an event from ``a`` to ``b`` inside the piece from ``start`` to ``end`` (centre anchor)."""
        (x0, y0), (x1, y1) = self._at(a, start, end), self._at(b, start, end)
        if abs(x1 - x0) < 1 and abs(y1 - y0) < 1:
            return rf"\pos({x0:.0f},{y0:.0f})"
        return rf"\move({x0:.0f},{y0:.0f},{x1:.0f},{y1:.0f})"

    def _at(self, t: float, start: float, end: float) -> tuple[float, float]:
        share = 0.0 if end <= start else min(1.0, max(0.0, (t - start) / (end - start)))
        (x0, y0), (x1, y1) = self.start.centre, self.end.centre
        return x0 + (x1 - x0) * share, y0 + (y1 - y0) * share


def place_live(faces: FaceAnalysis | None, person: str | None, span: tuple[float, float], size: tuple[float, float],
               busy: list[Rect], frame: tuple[int, int], home_x: float, font: float,
               prefer: str | None = None) -> Placement:
    """Where a block of ``size`` (px) goes from ``span[0]`` to ``span[1]`` (inside one shot); see the module
    docstring. ``prefer``: the side the block had just before, tried first so that it does not jump around."""
    start, end = span
    safe = Rect(frame[0] * TITLE_SAFE, frame[1] * TITLE_SAFE, frame[0] * (1 - TITLE_SAFE), frame[1] * (1 - TITLE_SAFE))
    tracks = [t for t in (faces.tracks if faces else []) if t.start < end and start < t.end]  # in this shot
    seen = [(t.person, b) for t in tracks for b in t.boxes if start - SLACK <= b.time <= end + SLACK]
    pad = font * 0.2

    def fits(rect: Rect, when: float | None = None) -> bool:
        """Inside the safe area, clear of the other blocks and of every face (the speaker's own face only near
        ``when``, as the block moves with it)."""
        faces_near = [b for p, b in seen if when is None or p != person or abs(b.time - when) <= FOLLOW_WINDOW]
        obstacles = [Rect(b.x - pad, b.y - pad, b.x + b.w + pad, b.y + b.h + pad) for b in faces_near] + list(busy)
        return rect.inside(safe) and not any(rect.overlaps(o) for o in obstacles)

    own = sorted((b for p, b in seen if person is not None and p == person), key=lambda b: b.time)
    if own:
        first, last = _extent(own, start), _extent(own, end)
        inward = "right" if first.center_x < frame[0] / 2 else "left"
        kinds = ("above", inward, "left" if inward == "right" else "right", "below")
        for kind in sorted(kinds, key=lambda k: k != prefer):
            a, b = _next_to(first, kind, size, safe, font), _next_to(last, kind, size, safe, font)
            if fits(a, first.time) and fits(b, last.time):
                return Placement(a, b, kind)
    half_w, half_h = size[0] / 2, size[1] / 2
    xs = [min(max(x, safe.x0 + half_w), safe.x1 - half_w) for x in (frame[0] / 2, home_x)]
    for kind, y in (("bottom", safe.y1 - half_h), ("top", safe.y0 + half_h)):
        for x in xs:
            rect = Rect.around(x, y, size)
            if fits(rect):
                return Placement(rect, rect, kind)
    rect = Rect.around(xs[1], safe.y1 - half_h, size)
    return Placement(rect, rect, "bottom")


def _extent(boxes: list[FaceBox], when: float) -> FaceBox:
    """The box covering ``boxes`` seen within ``FOLLOW_WINDOW`` of ``when`` (the nearest one when none is)."""
    near = [b for b in boxes if abs(b.time - when) <= FOLLOW_WINDOW] or [min(boxes, key=lambda b: abs(b.time - when))]
    x0, y0 = min(b.x for b in near), min(b.y for b in near)
    x1, y1 = max(b.x + b.w for b in near), max(b.y + b.h for b in near)
    return FaceBox(when, x0, y0, x1 - x0, y1 - y0)


def _next_to(face: FaceBox, kind: str, size: tuple[float, float], safe: Rect, font: float) -> Rect:
    """The block's rectangle on side ``kind`` of ``face``, slid along that side to stay inside ``safe``."""
    gap = font * 0.35
    width, height = size
    centre_x = min(max(face.center_x, safe.x0 + width / 2), safe.x1 - width / 2)
    centre_y = min(max(face.y + face.h / 2, safe.y0 + height / 2), safe.y1 - height / 2)
    if kind == "above":
        return Rect.around(centre_x, face.y - gap - height / 2, size)
    if kind == "below":
        return Rect.around(centre_x, face.y + face.h + gap + height / 2, size)
    if kind == "right":
        return Rect.around(face.x + face.w + gap + width / 2, centre_y, size)
    return Rect.around(face.x - gap - width / 2, centre_y, size)
