"""Subtitle cues from a document, following broadcast rules (line length, lines per cue, reading speed, duration)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..document import Document, Segment, Word

SENTENCE_END = re.compile(r"[.!?…。！？]$")
CLAUSE_END = re.compile(r"[,;:、，；：—-]$")
NO_SPACE_BEFORE = re.compile(r"^['’.,;:!?%)\]}…。，、！？]")
NO_SPACE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")


@dataclass(frozen=True)
class CueRules:
    max_chars_per_line: int = 42
    max_lines: int = 2
    max_chars_per_second: float = 17.0
    min_duration: float = 0.8
    max_duration: float = 7.0
    pause_split: float = 0.7
    """A silence between words at least this long (s) ends a cue."""
    min_gap: float = 0.04
    """Cues are never closer than this (s), so players do not merge them."""

    @property
    def max_chars(self) -> int:
        return self.max_chars_per_line * self.max_lines


@dataclass
class Cue:
    start: float
    end: float
    lines: list[str]
    speaker: str | None = None
    segment_index: int | None = None
    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def build_cues(
    document: Document,
    rules: CueRules = CueRules(),
    *,
    language: str | None = None,
    speaker_labels: bool = False,
) -> list[Cue]:
    """Cues for the original text (``language`` None) or for the translation into ``language``."""
    cues: list[Cue] = []
    for index, segment in enumerate(document.segments):
        prefix = f"{document.speaker_name(segment.speaker)}: " if speaker_labels and segment.speaker else ""
        if language is None:
            groups = _group_words(segment, rules, len(prefix))
            pieces = [(g[0].start, g[-1].end, join_words([w.text for w in g]), g) for g in groups]
        else:
            text = segment.translations.get(language, "")
            pieces = [(s, e, t, []) for s, e, t in _split_timed_text(text, segment.start, segment.end, rules, len(prefix))]
        for number, (start, end, text, words) in enumerate(pieces):
            label = prefix if number == 0 else ("– " if prefix else "")
            cues.append(
                Cue(start, end, wrap_lines(label + text, rules), segment.speaker, index, list(words))
            )
    return _fix_timing(cues, rules)


def _group_words(segment: Segment, rules: CueRules, prefix_len: int) -> list[list[Word]]:
    """Split a segment's words into cue-sized groups, preferring sentence ends, clause ends and pauses."""
    words = segment.words or [Word(segment.start, segment.end, segment.text)]
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current and _must_break(current, word, rules, prefix_len if not groups else 0):
            groups.append(current)
            current = []
        current.append(word)
        if _good_break(current, rules, prefix_len if not groups else 0):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def join_words(texts: list[str]) -> str:
    """Join word tokens with spaces, except before punctuation and between characters of unspaced scripts."""
    out = ""
    for text in texts:
        glue = out and not NO_SPACE_BEFORE.match(text)
        if glue and NO_SPACE_SCRIPT.match(text) and NO_SPACE_SCRIPT.search(out[-1]):
            glue = False
        out += (" " if glue else "") + text
    return out


def _text_len(words: list[Word]) -> int:
    return len(join_words([w.text for w in words]))


def _must_break(current: list[Word], word: Word, rules: CueRules, prefix_len: int) -> bool:
    too_long = prefix_len + _text_len(current) + 1 + len(word.text) > rules.max_chars - 2
    too_slow = word.end - current[0].start > rules.max_duration
    pause = word.start - current[-1].end >= rules.pause_split
    return too_long or too_slow or pause


def _good_break(current: list[Word], rules: CueRules, prefix_len: int) -> bool:
    length = prefix_len + _text_len(current)
    last = current[-1].text
    if SENTENCE_END.search(last):
        return length >= rules.max_chars_per_line * 0.5
    return bool(CLAUSE_END.search(last)) and length >= rules.max_chars * 0.6


def _split_timed_text(
    text: str, start: float, end: float, rules: CueRules, prefix_len: int
) -> list[tuple[float, float, str]]:
    """Split untimed text (a translation) into cue-sized pieces, sharing the time span by character count."""
    tokens = text.split()
    if not tokens:
        return []
    pieces: list[str] = []
    current: list[str] = []
    for token in tokens:
        budget = rules.max_chars - 2 - (prefix_len if not pieces else 0)
        if current and len(" ".join(current + [token])) > budget:
            pieces.append(" ".join(current))
            current = []
        current.append(token)
        if SENTENCE_END.search(token) and len(" ".join(current)) >= rules.max_chars_per_line * 0.5:
            pieces.append(" ".join(current))
            current = []
    if current:
        pieces.append(" ".join(current))
    total = sum(len(p) for p in pieces)
    timed, cursor = [], start
    for piece in pieces:
        share = (end - start) * len(piece) / total
        timed.append((cursor, cursor + share, piece))
        cursor += share
    return timed


def wrap_lines(text: str, rules: CueRules) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines of at most ``max_chars_per_line``, balanced, at spaces."""
    if len(text) <= rules.max_chars_per_line:
        return [text]
    tokens = text.split(" ")
    best: list[str] | None = None
    for cut in range(1, len(tokens)):
        first, second = " ".join(tokens[:cut]), " ".join(tokens[cut:])
        if len(first) > rules.max_chars_per_line:
            break
        if len(second) > rules.max_chars_per_line:
            continue
        if best is None or abs(len(first) - len(second)) < abs(len(best[0]) - len(best[1])):
            best = [first, second]
    if best is not None:
        return best
    return _hard_wrap(text, rules)


def _hard_wrap(text: str, rules: CueRules) -> list[str]:
    """Greedy wrap for text that cannot be balanced (very long words, scripts without spaces)."""
    lines: list[str] = []
    line = ""
    for token in text.split(" "):
        while len(token) > rules.max_chars_per_line:
            if line:
                lines.append(line)
                line = ""
            lines.append(token[: rules.max_chars_per_line])
            token = token[rules.max_chars_per_line :]
        candidate = f"{line} {token}".strip()
        if len(candidate) > rules.max_chars_per_line:
            lines.append(line)
            line = token
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def _fix_timing(cues: list[Cue], rules: CueRules) -> list[Cue]:
    """Extend short or fast cues into the free time after them; never overlap the next cue."""
    cues.sort(key=lambda c: c.start)
    for i, cue in enumerate(cues):
        limit = cues[i + 1].start - rules.min_gap if i + 1 < len(cues) else float("inf")
        chars = sum(len(line) for line in cue.lines)
        wanted = max(rules.min_duration, chars / rules.max_chars_per_second)
        if cue.end - cue.start < wanted:
            cue.end = min(cue.start + wanted, cue.start + rules.max_duration, max(limit, cue.end))
        cue.end = min(cue.end, max(limit, cue.start + 0.01))
    return cues
