"""Styled ASS subtitles (pysubs2) for burning in.

live: one block per speaker line, at the speaker's face: a small name tag in the speaker's colour, then the original
typed out as it is spoken (karaoke ``\\ko`` syllables whose unrevealed fill is transparent, timed from word
timestamps); when the sentence is complete the same block decodes into its translation (scrambled letters settling
left to right), which stays for its reading time under the subtitle profile unless the speaker's next line starts.
The block sits above or beside the head (layout.py), never over a face, inside the title-safe area, and follows the
face's track (``\\move``); the block is cut at every shot change and placed again, at the bottom when the speaker is
not in the shot. Blocks of people talking at once avoid each other.
classic: one colour per speaker, bottom centre (libass stacks simultaneous lines), the translation (else the original)
prefixed with the speaker's name.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, replace

import pysubs2

from ..core.palette import speaker_rgb
from ..document import Document, Segment, Word
from ..faces import FaceAnalysis
from ..subtitles import Cue, CueRules, build_cues, profile, wrap_lines
from ..subtitles.ass_style import add_speaker_styles, frame_font, frame_margin
from ..subtitles.cues import join_words
from ..translation.sentences import sentence_units
from .layout import LINE_HEIGHT, Placement, Rect, em_width, place_live, wrap

NAME_SCALE = 0.8
LIVE_WIDTH = 0.42
"""Widest live block, as a share of the frame width."""
DECODE_SECONDS = 0.4
DECODE_STEPS = 5
"""The original turns into the translation in this many scrambled frames over ``DECODE_SECONDS``."""
FOLLOW_STEP = 1.0
"""A block following a face is placed again (and moved linearly) every this many seconds at most."""
MIN_TYPED_SECONDS = 0.6
"""A line without a translation stays at least this long after its last word."""
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
    """Translation shown: in place of the typed original (live) or instead of it (classic)."""
    speaker_labels: bool = True
    rules: CueRules | None = None
    """Subtitle profile for reading times (characters a second, minimum duration); None: the default profile."""


@dataclass(frozen=True)
class _Canvas:
    width: int
    height: int
    font: float
    max_lines: int

    @property
    def margin(self) -> float:
        return frame_margin(self.height)

    def rows(self, count: float) -> float:
        return count * self.font * LINE_HEIGHT


@dataclass(frozen=True)
class _Speaker:
    label: str | None
    name: str | None
    colour: tuple[int, int, int]
    segments: list[Segment]
    sentences: list[list[Segment]]
    """The speaker's segments grouped into whole sentences (the translation units)."""
    person: str | None
    style: str
    home_x: float
    """Where the speaker's block goes at the bottom when their face is not on screen."""
    max_width: float


@dataclass(frozen=True)
class _Block:
    """One piece of a speaker's sentence: typed from ``start`` to ``typed``; the last piece then shows the sentence's
    translation until ``end``."""

    speaker: _Speaker
    words: list[Word]
    lines: list[str]
    translation: list[str]
    start: float
    typed: float
    end: float


def build_ass(document: Document, options: AssOptions, size: tuple[int, int]) -> pysubs2.SSAFile:
    """The subtitle file for a frame of ``size`` (width, height px)."""
    canvas = _Canvas(*size, frame_font(options.style, size[1], options.font_size), options.max_lines)
    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": str(canvas.width), "PlayResY": str(canvas.height), "WrapStyle": "2",
                      "ScaledBorderAndShadow": "yes"})
    labels = list(dict.fromkeys(s.speaker for s in document.segments))
    styles = add_speaker_styles(subs, labels, options.style, canvas.font, canvas.margin)
    faces = FaceAnalysis.from_dict(document.faces) if document.faces else None
    slots = min(len(labels), 2)
    units = [[document.segments[i] for i in unit] for unit in sentence_units(document.segments)]
    speakers = []
    for number, label in enumerate(labels):
        match = faces.person_of(label) if faces and label else None
        slot_width = canvas.width / slots
        speakers.append(_Speaker(
            label=label,
            name=document.speaker_name(label) if options.speaker_labels and label else None,
            colour=speaker_rgb(number, on_video=True),
            segments=[s for s in document.segments if s.speaker == label],
            sentences=[unit for unit in units if unit[0].speaker == label],
            person=match.person if match else None,
            style=styles[label],
            home_x=slot_width * (number % slots + 0.5),
            max_width=min(canvas.width * LIVE_WIDTH if match else canvas.width, slot_width) - canvas.margin * 2,
        ))
    if options.style == "live":
        cuts = sorted(document.cuts or (faces.scene_cuts if faces else []))
        rules = options.rules or profile()
        events = _live_events(speakers, options.language, canvas, faces, cuts, rules)
    else:
        events = [e for speaker in speakers for e in _classic_events(document, speaker, options.language, canvas)]
    for event in events:
        subs.append(event)
    subs.sort()
    return subs


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


def _live_events(speakers: list[_Speaker], language: str | None, canvas: _Canvas, faces: FaceAnalysis | None,
                 cuts: list[float], rules: CueRules) -> list[pysubs2.SSAEvent]:
    """Every speaker's blocks in time order, each cut at shot changes and placed clear of faces and earlier blocks."""
    blocks = sorted((b for speaker in speakers for b in _blocks(speaker, language, canvas, rules)), key=lambda b: b.start)
    placed: list[tuple[float, float, Rect]] = []
    events = []
    for block in blocks:
        size = _block_size(block, canvas)
        kind = None
        for start, end in _steps(_shots(block.start, block.end, cuts)):
            busy = [rect for a, b, rect in placed if a < end and start < b]
            placement = place_live(faces, block.speaker.person, (start, end), size, busy,
                                   (canvas.width, canvas.height), block.speaker.home_x, canvas.font, kind)
            kind = placement.kind
            placed += [(start, end, placement.start), (start, end, placement.end)]
            events += _block_events(block, start, end, placement, canvas)
    return events


def _blocks(speaker: _Speaker, language: str | None, canvas: _Canvas, rules: CueRules) -> list[_Block]:
    """The speaker's sentences as blocks; a sentence too long for the block is typed in several pieces and its
    translation follows the last one."""
    blocks = []
    for number, sentence in enumerate(speaker.sentences):
        words = [w for segment in sentence for w in segment.words if w.text.strip()]
        if not words:
            continue
        following = next((u[0].start for u in speaker.sentences[number + 1:] if any(s.words for s in u)), None)
        text = _translation(sentence, language)
        if text.casefold().split() == join_words([w.text for w in words]).casefold().split():
            text = ""  # a "translation" into the spoken language: the original simply stays
        translation = wrap(text, speaker.max_width, canvas.font, canvas.max_lines + 1) if text else []
        pieces = _pieces(words, speaker.max_width, canvas)
        for index, piece in enumerate(pieces):
            typed = piece[-1].end
            if index + 1 < len(pieces):
                end = pieces[index + 1][0].start - GAP
            elif text:
                end = typed + DECODE_SECONDS + max(rules.min_duration, len(text) / rules.max_chars_per_second)
            else:
                end = max(typed + MIN_TYPED_SECONDS, piece[0].start + rules.min_duration)
            if following is not None:
                end = min(end, following - GAP)
            lines = wrap(join_words([w.text for w in piece]), speaker.max_width, canvas.font, canvas.max_lines)
            last = index + 1 == len(pieces)
            blocks.append(_Block(speaker, piece, lines, translation if last else [], piece[0].start,
                                 min(typed, end), max(end, piece[0].start + GAP)))
    return blocks


def _translation(sentence: list[Segment], language: str | None) -> str:
    """The sentence's translation: its segments' shares of it, joined again."""
    parts = [s.translations.get(language, "").strip() for s in sentence] if language else []
    return join_words([p for p in parts if p])


def _pieces(words: list[Word], max_width: float, canvas: _Canvas) -> list[list[Word]]:
    """``words`` in runs that each fit ``max_lines`` lines of ``max_width`` px."""
    room = max_width * canvas.max_lines * 0.85 / canvas.font
    pieces: list[list[Word]] = [[]]
    for word in words:
        if pieces[-1] and em_width(join_words([w.text for w in pieces[-1] + [word]])) > room:
            pieces.append([])
        pieces[-1].append(word)
    return pieces


def _block_size(block: _Block, canvas: _Canvas) -> tuple[float, float]:
    name_rows = NAME_SCALE if block.speaker.name else 0
    name_width = em_width(block.speaker.name or "") * NAME_SCALE
    width = max([name_width] + [em_width(line) for line in block.lines + block.translation]) * canvas.font
    rows = name_rows + max(len(block.lines), len(block.translation))
    return width + canvas.font * 0.6, canvas.rows(rows) + canvas.font * 0.4


def _shots(start: float, end: float, cuts: list[float]) -> list[tuple[float, float]]:
    inside = [c for c in cuts if start + GAP < c < end - GAP]
    bounds = [start, *inside, end]
    return list(zip(bounds, bounds[1:]))


def _steps(shots: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Each shot piece in equal steps of at most ``FOLLOW_STEP`` s, each placed (and moved) on its own."""
    steps = []
    for start, end in shots:
        count = max(1, math.ceil((end - start) / FOLLOW_STEP - 1e-9))
        bounds = [start + (end - start) * i / count for i in range(count + 1)]
        steps += list(zip(bounds, bounds[1:]))
    return steps


def _block_events(block: _Block, start: float, end: float, placement: Placement, canvas: _Canvas):
    """The block's events between ``start`` and ``end`` (one shot): typing, then decoding, then the translation."""
    phases = [(block.start, block.typed, None)]
    if block.translation:
        step = DECODE_SECONDS / DECODE_STEPS
        phases += [(block.typed + i * step, block.typed + (i + 1) * step, (i + 1) / DECODE_STEPS)
                   for i in range(DECODE_STEPS - 1)]
        phases.append((block.typed + (DECODE_STEPS - 1) * step, block.end, 1.0))
    else:
        phases[0] = (block.start, block.end, None)
    events = []
    for phase_start, phase_end, settled in phases:
        a, b = max(start, phase_start), min(end, phase_end)
        if b - a < 0.01:
            continue
        where = placement.tag(a, b, start, end)
        if settled is None:
            body = _typewriter(block, a, canvas)
        else:
            body = _name_tag(block, canvas) + r"\N".join(_escape(line) for line in _decoding(block, settled))
        events.append(pysubs2.SSAEvent(start=_ms(a), end=_ms(b), text=rf"{{\an5{where}}}" + body,
                                       name=block.speaker.name or "", style=block.speaker.style))
    return events


def _name_tag(block: _Block, canvas: _Canvas) -> str:
    name = block.speaker.name
    if not name:
        return ""
    r, g, b = block.speaker.colour
    return (rf"{{\b1\fs{round(canvas.font * NAME_SCALE)}\1c&H{b:02X}{g:02X}{r:02X}&}}{_escape(name)}"
            rf"{{\b0\fs{round(canvas.font)}\1c&HFFFFFF&}}\N")


def _decoding(block: _Block, settled: float) -> list[str]:
    """The translation with its first ``settled`` share of letters final and the rest scrambled (letters drawn from
    the translation itself, so any script stays in its own glyphs)."""
    if settled >= 1.0:
        return block.translation
    text = "\n".join(block.translation)
    pool = [c for c in text if not c.isspace()] or ["#"]
    chooser = random.Random(f"{block.start:.3f}{settled}")
    keep = round(len(text) * settled)
    scrambled = "".join(c if i < keep or c.isspace() else chooser.choice(pool) for i, c in enumerate(text))
    return scrambled.split("\n")


def _typewriter(block: _Block, shown_from: float, canvas: _Canvas) -> str:
    """Karaoke text from ``shown_from``: the name at once, then each character (or joined-script word) when it is
    spoken (what was spoken before ``shown_from`` at once)."""
    units = _reveal_units(block)
    times = [max(0, round((t - shown_from) * 100)) for t, _ in units] + [max(0, round((block.typed - shown_from) * 100))]
    parts = [_name_tag(block, canvas), rf"{{\ko{times[0]}}}"]
    for (_, chars), start, following in zip(units, times, times[1:]):
        parts.append(rf"{{\ko{max(0, following - start)}}}{_escape(chars)}")
    return "".join(parts)


def _reveal_units(block: _Block) -> list[tuple[float, str]]:
    """(time, text) pieces of the block's lines in reading order; spaces and line breaks go with the next piece."""
    text = "\n".join(block.lines)
    units: list[tuple[float, str]] = []
    cursor, pending = 0, ""
    for word in block.words:
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
    return units or [(block.start, text)]


def _classic_events(document: Document, speaker: _Speaker, language: str | None, canvas: _Canvas):
    translated = language and any(s.translations.get(language) for s in speaker.segments)
    wide = replace(speaker, max_width=canvas.width - 2 * canvas.margin)
    events, labelled = [], set()
    for cue in _cues(document, wide, canvas, language if translated else None):
        label = f"{speaker.name}: " if speaker.name and cue.segment_index not in labelled else ""
        labelled.add(cue.segment_index)
        lines = wrap(label + " ".join(cue.lines), wide.max_width, canvas.font, canvas.max_lines)
        events.append(pysubs2.SSAEvent(start=_ms(cue.start), end=_ms(cue.end),
                                       text=r"\N".join(_escape(line) for line in lines), name=speaker.name or "",
                                       style=speaker.style))
    return events


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _escape(text: str) -> str:
    """Plain text for an ASS event: braces and backslashes would be read as override tags."""
    return text.replace("\\", "\u29f5").replace("{", "\uff5b").replace("}", "\uff5d").replace("\n", r"\N")
