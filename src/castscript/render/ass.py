"""Styled ASS subtitles (pysubs2) for burning in.

live: a box per speaker near the speaker's face: the name, then the original line typed out as it is spoken (karaoke
``\\ko`` syllables whose unrevealed fill is transparent, timed from word timestamps); when the line is typed, its
translation appears under it and stays while the next line types, like a live interpreter one line behind. Without a
visible face the box sits at the bottom, in the speaker's half of the frame, so two speakers talking at once both show.
classic: one colour per speaker, bottom centre (libass stacks simultaneous lines), the translation (else the original)
prefixed with the speaker's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pysubs2

from ..document import Document, Segment
from ..faces import FaceAnalysis
from ..subtitles import Cue, CueRules, build_cues, wrap_lines
from ..subtitles.cues import join_words
from .layout import LINE_HEIGHT, em_width, place_block, wrap

STYLES = ("live", "classic")
AUDIO_ONLY_SIZE = (1280, 720)
"""Frame of the plain video behind the subtitles of audio-only input."""
DEFAULT_FONT_SIZE = {"live": 44, "classic": 50}
"""Font size in px at 1080 lines; scaled to the frame height."""
FONT = "Noto Sans"
"""Style font; characters it lacks fall back through fontconfig (Noto CJK, Arabic, Hebrew, Devanagari, Thai...)."""
PALETTE = [(255, 215, 0), (0, 215, 255), (140, 255, 120), (255, 140, 200), (255, 160, 60), (190, 160, 255),
           (120, 255, 230), (255, 110, 110)]
NAME_SCALE = 0.7
LIVE_WIDTH = 0.45
"""Widest live box, as a share of the frame width."""
READING_CPS = 17.0
MIN_READING_SECONDS = 1.0
MAX_EVENT_SECONDS = 10.0
GAP = 0.04
JOINED = re.compile("[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\ufb1d-\ufdff\ufe70-\ufeff]")
"""Scripts whose letters join or stack (Hebrew points, Arabic, Indic, Thai...): typed a word at a time, not a letter."""


@dataclass(frozen=True)
class AssOptions:
    style: str = "live"
    font_size: int | None = None
    """px at 1080 lines (scaled to the frame); None: the style's default."""
    max_lines: int = 2
    language: str | None = None
    """Translation shown: under the typed original (live) or instead of it (classic)."""
    speaker_labels: bool = True


@dataclass(frozen=True)
class _Canvas:
    width: int
    height: int
    font: float
    max_lines: int

    @property
    def margin(self) -> float:
        return round(self.height * 0.03)

    def rows(self, count: float) -> float:
        return count * self.font * LINE_HEIGHT


@dataclass(frozen=True)
class _Speaker:
    name: str | None
    segments: list[Segment]
    person: str | None
    home_x: float
    """Where the speaker's box goes at the bottom when no face is on screen."""
    max_width: float


def build_ass(document: Document, options: AssOptions, size: tuple[int, int]) -> pysubs2.SSAFile:
    """The subtitle file for a frame of ``size`` (width, height px)."""
    canvas = _Canvas(*size, (options.font_size or DEFAULT_FONT_SIZE[options.style]) * size[1] / 1080, options.max_lines)
    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": str(canvas.width), "PlayResY": str(canvas.height), "WrapStyle": "0",
                      "ScaledBorderAndShadow": "yes"})
    labels = list(dict.fromkeys(s.speaker for s in document.segments))
    styles = _add_styles(subs, labels, options.style, canvas)
    faces = FaceAnalysis.from_dict(document.faces) if document.faces else None
    slots = min(len(labels), 2)
    for number, label in enumerate(labels):
        match = faces.person_of(label) if faces and label else None
        slot_width = canvas.width / slots
        speaker = _Speaker(
            name=document.speaker_name(label) if options.speaker_labels else None,
            segments=[s for s in document.segments if s.speaker == label],
            person=match.person if match else None,
            home_x=slot_width * (number % slots + 0.5),
            max_width=min(canvas.width * LIVE_WIDTH if match else canvas.width, slot_width) - canvas.margin * 2,
        )
        if options.style == "live":
            events = _live_events(document, speaker, options.language, canvas, faces)
        else:
            events = _classic_events(document, speaker, options.language, canvas)
        for event in events:
            event.style = styles[label]
            subs.append(event)
    subs.sort()
    return subs


def style_speakers(subs: pysubs2.SSAFile, document: Document) -> pysubs2.SSAFile:
    """Give plain subtitles (events named by speaker label) the classic look: one colour per speaker."""
    size = (document.media.width, document.media.height) if document.media.has_video else AUDIO_ONLY_SIZE
    canvas = _Canvas(*size, DEFAULT_FONT_SIZE["classic"] * size[1] / 1080, 2)
    subs.info.update({"PlayResX": str(canvas.width), "PlayResY": str(canvas.height), "ScaledBorderAndShadow": "yes"})
    subs.styles["Default"] = _style("classic", (255, 255, 255), canvas)
    labels = list(dict.fromkeys(s.speaker for s in document.segments if s.speaker))
    styles = _add_styles(subs, labels, "classic", canvas)
    for event in subs:
        event.style = styles.get(event.name, "Default")
    return subs


def _add_styles(subs: pysubs2.SSAFile, labels: list, kind: str, canvas: _Canvas) -> dict:
    """One style per speaker label, coloured from the palette in order of first appearance; label -> style name."""
    names = {}
    for number, label in enumerate(labels):
        names[label] = f"Speaker{number}"
        subs.styles[names[label]] = _style(kind, PALETTE[number % len(PALETTE)], canvas)
    return names


def _style(kind: str, rgb: tuple[int, int, int], canvas: _Canvas) -> pysubs2.SSAStyle:
    common = dict(fontname=FONT, fontsize=round(canvas.font), primarycolor=pysubs2.Color(*rgb), shadow=0,
                  alignment=pysubs2.Alignment.BOTTOM_CENTER, marginl=canvas.margin, marginr=canvas.margin,
                  marginv=canvas.margin)
    if kind == "live":
        # Opaque box per glyph run; the unrevealed karaoke fill is transparent and \ko hides its box until typed.
        return pysubs2.SSAStyle(**common, secondarycolor=pysubs2.Color(0, 0, 0, 255), borderstyle=3,
                                outline=round(canvas.font * 0.2), outlinecolor=pysubs2.Color(16, 20, 28),
                                backcolor=pysubs2.Color(0, 0, 0, 255))
    return pysubs2.SSAStyle(**common, borderstyle=1, outline=max(1, round(canvas.font / 18)),
                            outlinecolor=pysubs2.Color(0, 0, 0), backcolor=pysubs2.Color(0, 0, 0, 128))


def _cues(document: Document, speaker: _Speaker, canvas: _Canvas, language: str | None = None) -> list[Cue]:
    """The speaker's cues, each fitting ``max_lines`` lines of its box."""
    sample = " ".join(s.text for s in speaker.segments)[:2000] or "x"
    per_char = em_width(sample) / len(sample)
    rules = CueRules(max_chars_per_line=max(10, int(speaker.max_width / (per_char * canvas.font))),
                     max_lines=canvas.max_lines)
    cues = build_cues(replace(document, segments=speaker.segments), rules, language=language)
    return [piece for cue in cues for piece in _fit(cue, rules)]


def _fit(cue: Cue, rules: CueRules) -> list[Cue]:
    """``cue`` split at the middle word until every piece wraps into ``rules.max_lines`` lines."""
    if len(cue.lines) <= rules.max_lines or len(cue.words) < 2:
        return [cue]
    middle = len(cue.words) // 2
    halves = []
    for words in (cue.words[:middle], cue.words[middle:]):
        lines = wrap_lines(join_words([w.text for w in words]), rules)
        halves.append(Cue(words[0].start, words[-1].end, lines, cue.speaker, cue.segment_index, words))
    halves[1].end = max(cue.end, halves[1].end)
    return _fit(halves[0], rules) + _fit(halves[1], rules)


def _live_events(document, speaker: _Speaker, language, canvas: _Canvas, faces: FaceAnalysis | None):
    cues = [c for c in _cues(document, speaker, canvas) if c.words]
    name_rows = NAME_SCALE if speaker.name else 0
    original_height = canvas.rows(name_rows + canvas.max_lines)
    translation_height = canvas.rows(canvas.max_lines) if language else 0
    events = []
    for number, cue in enumerate(cues):
        following = cues[number + 1] if number + 1 < len(cues) else None
        typed = cue.words[-1].end
        translation = _translation_part(speaker.segments[cue.segment_index], cue, cues, language)
        translated = wrap(translation, speaker.max_width, canvas.font, canvas.max_lines) if translation else []
        shown_until = typed + max(MIN_READING_SECONDS, len(translation) / READING_CPS) if translation else typed + 0.5
        if following is not None:
            shown_until = min(shown_until, following.words[-1].end - GAP)
        end = min(max(shown_until, typed), cue.start + MAX_EVENT_SECONDS)
        if following is not None:
            end = min(end, following.start - GAP)
        face = faces.person_box(speaker.person, cue.start, end) if faces and speaker.person else None
        width = max(em_width(line) * canvas.font for line in cue.lines + translated) + canvas.font * 0.4
        x, top = place_block(face, speaker.home_x, (width, original_height + translation_height),
                             (canvas.width, canvas.height), canvas.margin)
        boundary = top + original_height
        text = rf"{{\an2\pos({x:.0f},{boundary:.0f})}}" + _typewriter(cue, speaker.name, canvas)
        events.append(pysubs2.SSAEvent(start=_ms(cue.start), end=_ms(max(end, typed)), text=text, name=speaker.name or ""))
        if translated and shown_until > typed:
            text = rf"{{\an8\pos({x:.0f},{boundary + canvas.font * 0.25:.0f})\1c&HFFFFFF&\i1}}"
            text += r"\N".join(_escape(line) for line in translated)
            events.append(pysubs2.SSAEvent(start=_ms(typed), end=_ms(shown_until), text=text, name=speaker.name or ""))
    return events


def _translation_part(segment: Segment, cue: Cue, cues: list[Cue], language: str | None) -> str:
    """This cue's share of its segment's translation: the words split in proportion to the cues' lengths."""
    text = segment.translations.get(language, "").strip() if language else ""
    siblings = [c for c in cues if c.segment_index == cue.segment_index]
    if not text or len(siblings) == 1:
        return text
    tokens = text.split()
    weights = [len(c.text) for c in siblings]
    index, total = siblings.index(cue), sum(weights)
    begin = round(len(tokens) * sum(weights[:index]) / total)
    finish = round(len(tokens) * sum(weights[: index + 1]) / total)
    return " ".join(tokens[begin:finish])


def _typewriter(cue: Cue, name: str | None, canvas: _Canvas) -> str:
    """Karaoke text: the name at once, then each character (or joined-script word) when it is spoken."""
    units = _reveal_units(cue)
    times = [round((t - cue.start) * 100) for t, _ in units] + [round((cue.words[-1].end - cue.start) * 100)]
    parts = [rf"{{\ko{times[0]}\b1\fs{round(canvas.font * NAME_SCALE)}}}{_escape(name)}{{\b0\fs{round(canvas.font)}}}\N"
             if name else rf"{{\ko{times[0]}}}"]
    for (_, chars), start, following in zip(units, times, times[1:]):
        parts.append(rf"{{\ko{max(0, following - start)}}}{_escape(chars)}")
    return "".join(parts)


def _reveal_units(cue: Cue) -> list[tuple[float, str]]:
    """(time, text) pieces of the cue's lines in reading order; spaces and line breaks go with the next piece."""
    text = "\n".join(cue.lines)
    units: list[tuple[float, str]] = []
    cursor, pending = 0, ""
    for word in cue.words:
        token = word.text.strip()
        found = text.find(token, cursor) if token else -1
        if found < 0:
            continue
        pending += text[cursor:found]
        pieces = [token] if JOINED.search(token) else list(token)
        step = (word.end - word.start) / len(pieces)
        for number, piece in enumerate(pieces):
            units.append((word.start + number * step, pending + piece))
            pending = ""
        cursor = found + len(token)
    if cursor < len(text) and units:
        units[-1] = (units[-1][0], units[-1][1] + text[cursor:])
    return units or [(cue.start, text)]


def _classic_events(document: Document, speaker: _Speaker, language: str | None, canvas: _Canvas):
    translated = language and any(s.translations.get(language) for s in speaker.segments)
    wide = replace(speaker, max_width=canvas.width - 2 * canvas.margin)
    events, labelled = [], set()
    for cue in _cues(document, wide, canvas, language if translated else None):
        label = f"{speaker.name}: " if speaker.name and cue.segment_index not in labelled else ""
        labelled.add(cue.segment_index)
        lines = wrap(label + " ".join(cue.lines), wide.max_width, canvas.font, canvas.max_lines)
        events.append(pysubs2.SSAEvent(start=_ms(cue.start), end=_ms(cue.end),
                                       text=r"\N".join(_escape(line) for line in lines), name=speaker.name or ""))
    return events


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _escape(text: str) -> str:
    """Plain text for an ASS event: braces and backslashes would be read as override tags."""
    return text.replace("\\", "\u29f5").replace("{", "\uff5b").replace("}", "\uff5d").replace("\n", r"\N")
