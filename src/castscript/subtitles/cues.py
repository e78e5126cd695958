"""Subtitle cues from a document by a profile (CueRules): cut at sentence and clause ends, timed on frames.

1. Each segment's words (or the translation of a whole sentence laid over its source speech) are cut into
   cue-sized pieces by dynamic programming: every piece fits the line limits, lasts at most the maximum duration,
   holds no long pause, and breaks prefer shot changes in pauses, sentence ends, clause ends and pauses, never after
   a function word.
2. A piece that cannot stay up for the minimum duration before the next one is merged with a neighbour (the same
   speaker, or as a two-speaker cue with a dash opening each line).
3. Times go onto frames: cues start on speech (snapped to a shot change within ``snap_frames``), stay up for the
   minimum duration and up to ``extend_frames`` past speech to lower the reading speed, close gaps smaller than that
   to ``min_gap_frames``, and end at a shot change rather than crossing it when their speech does not.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import accumulate

from ..core.options import CueRules, frame_rate
from ..document import Document, Segment, Word
from ..translation.sentences import sentence_units
from .linebreak import CLAUSE_END, NO_SPACE_SCRIPT, SENTENCE_END, break_cost, ends_on_function_word, wrap_lines

NO_SPACE_BEFORE = re.compile(r"^['’.,;:!?%)\]}…。，、！？]")
NO_CUT, CUT_IN_SPEECH, CUT_IN_PAUSE = 0, 1, 2
CUT_INSIDE = {NO_CUT: 0.0, CUT_IN_SPEECH: 1.0, CUT_IN_PAUSE: 4.0}
"""Cost of a cue holding a shot change between two of its words: speech that runs on over a cut may cross it."""
SPEECH_PAUSE = 0.1
"""A gap between words at least this long (s) is a pause; shorter, the speech runs on."""

__all__ = ["Cue", "CueRules", "build_cues", "join_words", "wrap_lines"]


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


@dataclass
class _Piece:
    """A cue being built: its words (speaker runs), times in frames."""

    runs: list[tuple[str | None, int, list[Word]]]
    """(speaker, segment index, words) — two runs make a two-speaker cue."""
    start: int
    end: int
    speech_end: int

    @property
    def words(self) -> list[Word]:
        return [w for _, _, words in self.runs for w in words]


def join_words(texts: list[str]) -> str:
    """Join word tokens with spaces, except before punctuation and between characters of unspaced scripts."""
    out = ""
    for text in texts:
        out = _joined(out, text) if out else text
    return out


def _joined(left: str, right: str) -> str:
    if not left or not right:
        return left or right
    if NO_SPACE_BEFORE.match(right) or NO_SPACE_SCRIPT.match(right) and NO_SPACE_SCRIPT.search(left[-1]):
        return left + right
    return f"{left} {right}"


def build_cues(
    document: Document,
    rules: CueRules = CueRules(),
    *,
    language: str | None = None,
    speaker_labels: bool = False,
    cuts: list[float] | None = None,
) -> list[Cue]:
    """Cues for the original text (``language`` None) or the translation into ``language``; ``cuts`` are shot
    changes in seconds (default: the document's)."""
    fps = frame_rate(rules.fps or document.media.fps)
    cut_frames = sorted({int(round(c * float(fps))) for c in (document.cuts if cuts is None else cuts)})
    text_language = language or document.language
    builder = _Builder(rules, fps, cut_frames, text_language)
    pieces: list[_Piece] = []
    previous_speaker = None
    units = [[i] for i in range(len(document.segments))] if language is None else sentence_units(document.segments)
    for unit in units:
        index, segment = unit[0], document.segments[unit[0]]
        words = _timed_words([document.segments[i] for i in unit], language)
        if not words:
            continue
        label = ""
        if speaker_labels and segment.speaker and segment.speaker != previous_speaker:
            label = f"{document.speaker_name(segment.speaker)}: "
        previous_speaker = segment.speaker
        for number, group in enumerate(builder.split(words, len(label))):
            if label and number == 0:
                group = [Word(group[0].start, group[0].end, label + group[0].text)] + group[1:]
            pieces.append(builder.piece(segment.speaker, index, group))
    pieces.sort(key=lambda p: p.start)
    pieces = builder.merge_short(pieces)
    builder.time(pieces, builder.frame(document.media.duration) if document.media.duration else None)
    return [builder.cue(p) for p in pieces]


def _timed_words(segments: list[Segment], language: str | None) -> list[Word]:
    """The words of one segment, or the translation of a whole sentence (one or more segments) laid over the
    speech of its source words (same share of time as of characters, skipping the source's pauses)."""
    source = []
    for segment in segments:
        text = segment.text.strip()
        source += segment.words or ([Word(segment.start, segment.end, text)] if text else [])
    if language is None:
        if segments[0].words:
            return [w for w in segments[0].words if w.text.strip()]
        return lay_over(_tokens(segments[0].text), source)
    return lay_over(_tokens(" ".join(s.translations.get(language, "") for s in segments)), source)


def _tokens(text: str) -> list[str]:
    """Words of ``text``; unspaced scripts (Chinese, Japanese, Thai) one character at a time."""
    tokens: list[str] = []
    for token in text.split():
        if NO_SPACE_SCRIPT.search(token):
            for char in token:
                if tokens and NO_SPACE_BEFORE.match(char):
                    tokens[-1] += char
                else:
                    tokens.append(char)
        else:
            tokens.append(token)
    return tokens


def lay_over(tokens: list[str], source: list[Word]) -> list[Word]:
    """Words for ``tokens`` timed over the speech of ``source`` words, proportionally to their characters."""
    if not tokens or not source:
        return []
    spans, total = [], 0
    for word in source:
        length = max(1, len(word.text.strip()))
        spans.append((total, total + length, word))
        total += length
    starts = [s for s, _, _ in spans]

    def at(fraction: float) -> float:
        position = fraction * total
        i = max(0, min(len(spans) - 1, bisect_left(starts, position, hi=len(starts)) - 1))
        if position >= spans[i][1] and i + 1 < len(spans):
            i += 1
        begin, finish, word = spans[i]
        share = min(1.0, max(0.0, (position - begin) / (finish - begin)))
        return word.start + share * (word.end - word.start)

    lengths = [len(t) + 1 for t in tokens]
    whole = sum(lengths)
    words, cursor = [], 0
    for token, length in zip(tokens, lengths):
        words.append(Word(at(cursor / whole), at((cursor + length - 1) / whole), token))
        cursor += length
    words[0].start, words[-1].end = source[0].start, source[-1].end
    return words


class _Builder:
    def __init__(self, rules: CueRules, fps: Fraction, cuts: list[int], language: str | None):
        self.rules, self.fps, self.cuts, self.language = rules, fps, cuts, language
        self.rate = float(fps)
        self.gap = rules.min_gap_frames
        self.min_frames = math.ceil(rules.min_duration * fps - 1e-6)
        self.max_frames = math.floor(rules.max_duration * fps + 1e-6)

    # 1. splitting a segment into pieces ------------------------------------------------------------------------

    def fits(self, text: str) -> bool:
        """``text`` wraps into the profile's lines (greedy filling needs the fewest lines)."""
        limit = self.rules.max_chars_per_line
        if len(text) <= limit:
            return True
        if self.rules.max_lines == 1 or len(text) > self.rules.max_chars:
            return False
        lines, width = 1, -1
        for token in text.split(" "):
            if len(token) > limit:
                return False
            if width + 1 + len(token) > limit:
                lines, width = lines + 1, len(token)
            else:
                width += 1 + len(token)
        return lines <= self.rules.max_lines

    def split(self, words: list[Word], prefix: int) -> list[list[Word]]:
        """Cue-sized groups of ``words`` with the lowest total cost (dynamic programming over break points)."""
        n = len(words)
        cut_after = [self._cut_between(a, b) for a, b in zip(words, words[1:])]
        break_costs = [self._break_cost(words, i, cut_after[i]) for i in range(n - 1)]
        cuts_before = [0, *accumulate(CUT_INSIDE[cut] for cut in cut_after)]
        best: list[tuple[float, int]] = [(0.0, 0)] + [(math.inf, 0)] * n
        for end in range(1, n + 1):
            text = ""
            for begin in range(end - 1, -1, -1):
                text = _joined(words[begin].text, text)
                if end - begin > 1 and not self._allowed(words, begin, end, text, prefix if begin == 0 else 0):
                    break
                if best[begin][0] == math.inf:
                    continue
                cost = best[begin][0] + self._cost(words, begin, end, len(text))
                cost += cuts_before[end - 1] - cuts_before[begin]  # shot changes inside the group
                if end < n:
                    cost += break_costs[end - 1]
                if cost < best[end][0]:
                    best[end] = (cost, begin)
        groups, end = [], n
        while end > 0:
            begin = best[end][1]
            groups.append(words[begin:end])
            end = begin
        return groups[::-1]

    def _allowed(self, words: list[Word], begin: int, end: int, text: str, prefix: int) -> bool:
        if words[end - 1].end - words[begin].start > self.rules.max_duration:
            return False
        if words[begin + 1].start - words[begin].end >= self.rules.pause_split:
            return False
        return self.fits(" " * prefix + text)

    def _cost(self, words: list[Word], begin: int, end: int, chars: int) -> float:
        """Cost of the group words[begin:end] itself: one cue more, and how fast it reads in the time it may stay."""
        last_end = words[end - 1].end + self.rules.extend_frames / self.rate
        shown_until = min(words[end].start, last_end) if end < len(words) else last_end
        seconds = max(shown_until - words[begin].start, 0.05)
        cost = 3.0 + max(0.0, chars / seconds - self.rules.max_chars_per_second)
        return cost + max(0.0, self.rules.min_duration - seconds) * 6.0

    def _break_cost(self, words: list[Word], after: int, cut: int) -> float:
        """Cost of ending a cue after words[after]: low at a shot change in a pause or at punctuation, high after
        function words; a shot change inside running speech only lowers it a little."""
        if cut == CUT_IN_PAUSE:
            return -3.0
        word, following = words[after], words[after + 1]
        text = word.text
        if SENTENCE_END.search(text):
            cost = -4.0
        elif CLAUSE_END.search(text):
            cost = -2.0
        else:
            cost = 4.0 - min(following.start - word.end, 0.5) * 6.0
            if ends_on_function_word(text, self.language):
                cost += 6.0
            cost += max(0.0, break_cost([text, following.text], 0, self.language))
        return cost - (2.0 if cut == CUT_IN_SPEECH else 0.0)

    def _cut_between(self, a: Word, b: Word) -> int:
        """NO_CUT, or a shot change between two words (within two frames): in a pause, or in running speech."""
        low, high = self.frame(a.end) - 2, self.frame(b.start) + 2
        i = bisect_left(self.cuts, low)
        if i == len(self.cuts) or self.cuts[i] > high:
            return NO_CUT
        return CUT_IN_PAUSE if b.start - a.end >= SPEECH_PAUSE else CUT_IN_SPEECH

    def frame(self, seconds: float) -> int:
        return int(round(seconds * self.rate))

    def piece(self, speaker: str | None, index: int, words: list[Word]) -> _Piece:
        start = self.frame(max(0.0, words[0].start - self.rules.lead_in))
        speech_end = max(start + 1, self.frame(words[-1].end))
        return _Piece([(speaker, index, words)], start, speech_end + self.frame(self.rules.lag_out), speech_end)

    # 2. merging pieces too short to read ------------------------------------------------------------------------

    def merge_short(self, pieces: list[_Piece]) -> list[_Piece]:
        """Merge each piece that cannot stay up ``min_duration`` before the next into a neighbour, when they fit."""
        i = 0
        while i < len(pieces):
            room = (pieces[i + 1].start - self.gap if i + 1 < len(pieces) else math.inf) - pieces[i].start
            if room >= self.min_frames:
                i += 1
                continue
            options = []
            for left in (i - 1, i):
                if 0 <= left and left + 1 < len(pieces):
                    merged = self._merged(pieces[left], pieces[left + 1])
                    if merged is not None:
                        options.append((self._merge_cost(merged, pieces, left), left, merged))
            if options:
                _, left, merged = min(options, key=lambda option: option[:2])
                pieces[left:left + 2] = [merged]
                i = left
            else:
                i += 1
        return pieces

    def _merge_cost(self, merged: _Piece, pieces: list[_Piece], left: int) -> float:
        """Reading speed of a merged piece over the time it may stay up; a second speaker counts as 2 cps more."""
        following = pieces[left + 2].start - self.gap if left + 2 < len(pieces) else math.inf
        shown = min(following, merged.speech_end + self.rules.extend_frames, merged.start + self.max_frames)
        chars = sum(len(join_words([w.text for w in ws])) for _, _, ws in merged.runs)
        return chars / max(shown - merged.start, 1) * self.rate + 2.0 * (len(merged.runs) - 1)

    def _merged(self, first: _Piece, second: _Piece) -> _Piece | None:
        if max(first.speech_end, second.speech_end) - first.start > self.max_frames:
            return None
        runs = first.runs + second.runs
        speakers = [r[0] for r in runs]
        if len(set(speakers)) == 1:
            words = [w for _, _, ws in runs for w in ws]
            if not self.fits(join_words([w.text for w in words])):
                return None
            runs = [(speakers[0], runs[0][1], words)]
        elif len(runs) != 2 or self.rules.max_lines < 2 or any(
            len(self.rules.dash + join_words([w.text for w in ws])) > self.rules.max_chars_per_line for _, _, ws in runs
        ):
            return None
        return _Piece(runs, first.start, max(first.end, second.end), max(first.speech_end, second.speech_end))

    # 3. timing on frames ---------------------------------------------------------------------------------------

    def time(self, pieces: list[_Piece], media_end: int | None) -> None:
        """Final in and out frames, in order (each piece may push the next one's start, never back)."""
        for i, piece in enumerate(pieces):
            piece.start = self._snap_in(piece.start, pieces[i - 1].speech_end if i else -math.inf)
        for i, piece in enumerate(pieces):
            previous_end = pieces[i - 1].end if i else -math.inf
            following = pieces[i + 1] if i + 1 < len(pieces) else None
            piece.start = max(piece.start, previous_end + self.gap, 0)
            limit = following.start - self.gap if following else (media_end or math.inf)
            piece.end = self._out(piece, limit)
            if piece.end - piece.start < self.min_frames:  # no room: start earlier into free time, or push the next
                piece.start = max(previous_end + self.gap if i else 0, piece.end - self.min_frames)
                piece.end = max(piece.end, piece.start + self.min_frames)
            if following is not None and following.start < piece.end + self.gap:
                following.start = piece.end + self.gap
                following.speech_end = max(following.speech_end, following.start + 1)

    def _snap_in(self, start: int, previous_end: float) -> int:
        cut = self._nearest_cut(start)
        if cut is not None and cut >= previous_end + self.gap:
            return cut
        return start

    def _out(self, piece: _Piece, limit: float) -> int:
        chars = sum(len(join_words([w.text for w in ws])) for _, _, ws in piece.runs)
        readable = piece.start + math.ceil(chars / self.rules.max_chars_per_second * self.fps)
        end = max(piece.end, min(readable, piece.speech_end + self.rules.extend_frames), piece.start + self.min_frames)
        crossing = self._first_cut_after(piece.start)
        if crossing is not None and piece.speech_end <= crossing < end:
            end = max(crossing, piece.speech_end)  # speech ends before the shot change: so does the cue
        cut = self._nearest_cut(end)
        if cut is not None and cut >= piece.speech_end and cut - piece.start >= self.min_frames:
            end = cut
        end = min(end, piece.start + self.max_frames)
        if limit - end < self.rules.extend_frames and not self._cut_in(end, limit):  # close small gaps
            end = limit
        return int(min(end, limit, piece.start + self.max_frames))

    def _nearest_cut(self, frame: int) -> int | None:
        i = bisect_left(self.cuts, frame - self.rules.snap_frames)
        if i < len(self.cuts) and abs(self.cuts[i] - frame) <= self.rules.snap_frames:
            return self.cuts[i]
        return None

    def _cut_in(self, low: float, high: float) -> bool:
        i = bisect_left(self.cuts, low + 1)
        return i < len(self.cuts) and self.cuts[i] < high

    def _first_cut_after(self, frame: int) -> int | None:
        i = bisect_left(self.cuts, frame + 1)
        return self.cuts[i] if i < len(self.cuts) else None

    # output ----------------------------------------------------------------------------------------------------

    def cue(self, piece: _Piece) -> Cue:
        speaker, index, _ = piece.runs[0]
        if len(piece.runs) == 1:
            lines = wrap_lines(join_words([w.text for w in piece.words]), self.rules, self.language)
        else:
            lines = [self.rules.dash + join_words([w.text for w in ws]) for _, _, ws in piece.runs]
        return Cue(float(piece.start / self.fps), float(piece.end / self.fps), lines, speaker, index, piece.words)
