"""ASS styles shared by the plain ``ass`` output and the burned-in styles (castscript.render builds on these)."""

from __future__ import annotations

import pysubs2

from ..core.palette import speaker_rgb
from ..document import Document

FONT = "Noto Sans"
"""Style font; characters it lacks fall back through fontconfig (Noto CJK, Arabic, Hebrew, Devanagari, Thai...)."""
DEFAULT_FONT_SIZE = {"live": 50, "classic": 50}
"""Font size in px at 1080 lines (4.6 % of the frame height); scaled to the frame height."""
AUDIO_ONLY_SIZE = (1280, 720)
"""Frame of the plain video behind the subtitles of audio-only input."""


def frame_font(kind: str, height: int, font_size: int | None = None) -> float:
    """Font size in px for a frame ``height`` px tall (``font_size`` given at 1080 lines; None: the style's default)."""
    return (font_size or DEFAULT_FONT_SIZE[kind]) * height / 1080


def frame_margin(height: int) -> int:
    """Margin around subtitles in px: 3 % of the frame height."""
    return round(height * 0.03)


def ass_style(kind: str, rgb: tuple[int, int, int], font: float, margin: int) -> pysubs2.SSAStyle:
    """A bottom-centred style: ``live`` an opaque box per glyph run, ``classic`` outlined text."""
    common = dict(fontname=FONT, fontsize=round(font), primarycolor=pysubs2.Color(*rgb), shadow=0,
                  alignment=pysubs2.Alignment.BOTTOM_CENTER, marginl=margin, marginr=margin, marginv=margin)
    if kind == "live":
        # Opaque box per glyph run; the unrevealed karaoke fill is transparent and \ko hides its box until typed.
        return pysubs2.SSAStyle(**common, secondarycolor=pysubs2.Color(0, 0, 0, 255), borderstyle=3,
                                outline=round(font * 0.2), outlinecolor=pysubs2.Color(16, 20, 28),
                                backcolor=pysubs2.Color(0, 0, 0, 255))
    return pysubs2.SSAStyle(**common, borderstyle=1, outline=max(1, round(font / 18)),
                            outlinecolor=pysubs2.Color(0, 0, 0), backcolor=pysubs2.Color(0, 0, 0, 128))


def add_speaker_styles(subs: pysubs2.SSAFile, labels: list, kind: str, font: float, margin: int) -> dict:
    """One style per speaker label, coloured from the shared palette in order of first speech (live: white text, the
    colour goes to the name tag); label -> style name."""
    names = {}
    for number, label in enumerate(labels):
        names[label] = f"Speaker{number}"
        colour = (255, 255, 255) if kind == "live" else speaker_rgb(number, on_video=True)
        subs.styles[names[label]] = ass_style(kind, colour, font, margin)
    return names


def style_speakers(subs: pysubs2.SSAFile, document: Document) -> pysubs2.SSAFile:
    """Give plain subtitles (events named by speaker label) the classic look: one colour per speaker."""
    width, height = (document.media.width, document.media.height) if document.media.has_video else AUDIO_ONLY_SIZE
    font, margin = frame_font("classic", height), frame_margin(height)
    subs.info.update({"PlayResX": str(width), "PlayResY": str(height), "ScaledBorderAndShadow": "yes"})
    subs.styles["Default"] = ass_style("classic", (255, 255, 255), font, margin)
    labels = list(dict.fromkeys(s.speaker for s in document.segments if s.speaker))
    styles = add_speaker_styles(subs, labels, "classic", font, margin)
    for event in subs:
        event.style = styles.get(event.name, "Default")
    return subs
