"""Words and segments <-> speaker turns: each word gets a speaker, and segments are split where the speaker changes.

Word speakers are smoothed so that lines do not flap between speakers (``AttributionOptions``): a change of speaker
inside a sentence moves to the nearest pause or punctuation within ``snap_seconds``; a short run (one or two words,
or under a second) between two runs of the same speaker joins them, and the first or last words of a phrase that
run on into another speaker's words with neither a pause nor punctuation between take that speaker; both unless
the short run's speaker has a clean turn of their own covering it (a genuine "Yes, sure." between two lines of
someone else stays).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass

from .document import Segment, SpeakerTurn, Word
from .subtitles.cues import join_words

SENTENCE_END = (".", "?", "!", "。", "？", "！")
PAUSE_PUNCTUATION = SENTENCE_END + (",", ";", ":", "—", "-", "，")


@dataclass(frozen=True)
class AttributionOptions:
    snap_seconds: float = 0.5
    """A speaker change moves to the nearest pause or punctuation at most this far away."""
    pause_seconds: float = 0.3
    """A gap between words at least this long is a pause."""
    short_words: int = 2
    """Runs of at most this many words ..."""
    short_seconds: float = 1.0
    """... or shorter than this, between two runs of one speaker, join them unless a clean turn covers them."""
    clean_margin: float = 0.15
    """A clean turn covers the run's words to within this many seconds, and the surrounding speaker is silent there."""


class TurnIndex:
    """Speaker turns searchable by time (non-overlapping ones for ``speaker_at``)."""

    def __init__(self, turns: list[SpeakerTurn]):
        self.turns = sorted(turns, key=lambda t: t.start)
        self._starts = [t.start for t in self.turns]
        self._ends = [t.end for t in self.turns]

    def around(self, start: float, end: float) -> list[SpeakerTurn]:
        """Turns overlapping [start, end]."""
        first, last = bisect_right(self._ends, start), bisect_left(self._starts, end)
        return [t for t in self.turns[max(first - 1, 0) : last + 1] if t.start < end and t.end > start]

    def speaker_at(self, start: float, end: float) -> str | None:
        """The speaker overlapping [start, end] most; in a gap, the speaker of the nearest turn."""
        if not self.turns:
            return None
        first, last = bisect_right(self._ends, start), bisect_left(self._starts, end)
        overlap: dict[str, float] = defaultdict(float)
        for turn in self.turns[first:last]:
            overlap[turn.speaker] += min(end, turn.end) - max(start, turn.start)
        if overlap and max(overlap.values()) > 0:
            return max(overlap, key=overlap.get)
        neighbours = self.turns[max(first - 1, 0) : last + 1]
        nearest = min(neighbours, key=lambda t: max(t.start - end, start - t.end))
        return nearest.speaker


def attribute(
    segments: list[Segment],
    turns: list[SpeakerTurn],
    overlapping: list[SpeakerTurn] | None = None,
    options: AttributionOptions = AttributionOptions(),
) -> list[Segment]:
    """Segments with a speaker on every word and segment; a segment whose words change speaker is split.

    ``turns`` are one speaker at a time (diarization's exclusive turns); ``overlapping`` (diarization's turns, when
    given) tell whether a short reply was said while the surrounding speaker was silent."""
    index = TurnIndex(turns)
    words = [w for segment in segments for w in segment.words]
    for word in words:
        word.speaker = index.speaker_at(word.start, word.end)
    smooth(words, index, TurnIndex(overlapping) if overlapping is not None else None, options)
    _move_edge_fragments(segments, options)
    out: list[Segment] = []
    for segment in segments:
        if not segment.words:
            segment.speaker = index.speaker_at(segment.start, segment.end)
            out.append(segment)
            continue
        out += split_by_speaker(segment)
    return out


def smooth(words: list[Word], turns: TurnIndex, overlapping: TurnIndex | None, options: AttributionOptions) -> None:
    """Word speakers without flapping: changes snapped to pauses or punctuation, short interruptions absorbed,
    short runs torn from running speech given back."""
    for change in range(1, len(words)):
        if words[change].speaker != words[change - 1].speaker:
            _snap(words, change, options)
    runs = _runs(words)
    for number in range(1, len(runs) - 1):
        before, (start, end), after = runs[number - 1], runs[number], runs[number + 1]
        surrounding = words[before[0]].speaker
        if surrounding != words[after[0]].speaker or not _short(words[start:end], options):
            continue
        if not _clean_turn(words[start:end], surrounding, turns, overlapping, options):
            for word in words[start:end]:
                word.speaker = surrounding
    for change in range(1, len(words)):
        if words[change].speaker != words[change - 1].speaker and not _is_break(words, change, options):
            _give_back_torn_piece(words, change, turns, overlapping, options)


def _give_back_torn_piece(
    words: list[Word], change: int, turns: TurnIndex, overlapping: TurnIndex | None, options: AttributionOptions
) -> None:
    """A change of speaker in running speech (no pause, no punctuation): the words on either side back to the nearest
    pause, punctuation or other change are pieces; a short piece bounded by a pause or punctuation (a phrase's first
    or last words) takes the other side's speaker unless a clean turn of its own speaker covers it (the shorter
    piece when both could)."""
    first = change - 1
    while first > 0 and words[first - 1].speaker == words[change - 1].speaker and not _is_break(words, first, options):
        first -= 1
    last = change + 1
    while last < len(words) and words[last].speaker == words[change].speaker and not _is_break(words, last, options):
        last += 1
    pieces = []
    if first == 0 or _is_break(words, first, options):
        pieces.append((words[first:change], words[change].speaker))
    if last == len(words) or _is_break(words, last, options):
        pieces.append((words[change:last], words[change - 1].speaker))
    pieces = [(piece, other) for piece, other in pieces
              if _short(piece, options) and not _clean_turn(piece, other, turns, overlapping, options)]
    if pieces:
        piece, other = min(pieces, key=lambda p: p[0][-1].end - p[0][0].start)
        for word in piece:
            word.speaker = other


def _move_edge_fragments(segments: list[Segment], options: AttributionOptions) -> None:
    """A short run that opens (closes) a segment joins the previous (next) segment when that one ends (starts) with
    the same speaker close by: the line breaks where the speaker changes, not a word or two later."""
    for number, segment in enumerate(segments):
        runs = _runs(segment.words)
        if number > 0 and len(runs) > 1 and _fragment(segment.words[: runs[0][1]], options):
            previous = segments[number - 1]
            if _joins(previous.words[-1:], segment.words[0], options, before=True):
                previous.words += segment.words[: runs[0][1]]
                segment.words = segment.words[runs[0][1] :]
                _refit(previous), _refit(segment)
                runs = _runs(segment.words)
        if number + 1 < len(segments) and len(runs) > 1 and _fragment(segment.words[runs[-1][0] :], options):
            following = segments[number + 1]
            if _joins(following.words[:1], segment.words[-1], options, before=False):
                following.words[:0] = segment.words[runs[-1][0] :]
                segment.words = segment.words[: runs[-1][0]]
                _refit(following), _refit(segment)


def _fragment(run: list[Word], options: AttributionOptions) -> bool:
    return 0 < len(run) <= options.short_words and run[-1].end - run[0].start < options.short_seconds


def _joins(neighbour: list[Word], word: Word, options: AttributionOptions, before: bool) -> bool:
    """The neighbouring segment's nearest word is by ``word``'s speaker, at most ``short_seconds`` away."""
    if not neighbour or neighbour[0].speaker != word.speaker:
        return False
    gap = word.start - neighbour[0].end if before else neighbour[0].start - word.end
    return gap <= options.short_seconds


def _refit(segment: Segment) -> None:
    """Times and text of a segment whose words changed."""
    if segment.words:
        segment.start, segment.end = segment.words[0].start, segment.words[-1].end
        segment.text = join_words([w.text for w in segment.words])


def _snap(words: list[Word], change: int, options: AttributionOptions) -> None:
    """Move the change between words[change - 1] and words[change] to the nearest pause or punctuation within reach
    (how far: from the change to the nearer edge of the gap between the two words of the break)."""
    if _is_break(words, change, options):
        return
    at = words[change].start

    def distance(b: int) -> float:
        return words[b - 1].end - at if b > change else at - words[b].start

    candidates = [
        b for b in range(max(1, change - 8), min(len(words), change + 9))
        if b != change and _is_break(words, b, options) and distance(b) <= options.snap_seconds
    ]
    if not candidates:
        return
    target = min(candidates, key=distance)
    old, new = words[change - 1].speaker, words[change].speaker
    if target < change:
        for word in words[target:change]:
            word.speaker = new
    else:
        for word in words[change:target]:
            word.speaker = old


def _is_break(words: list[Word], b: int, options: AttributionOptions) -> bool:
    """Between words[b - 1] and words[b] there is a pause or punctuation."""
    previous = words[b - 1]
    return words[b].start - previous.end >= options.pause_seconds or previous.text.rstrip().endswith(PAUSE_PUNCTUATION)


def _runs(words: list[Word]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for number, word in enumerate(words):
        if out and words[out[-1][0]].speaker == word.speaker:
            out[-1] = (out[-1][0], number + 1)
        else:
            out.append((number, number + 1))
    return out


def _short(run: list[Word], options: AttributionOptions) -> bool:
    return len(run) <= options.short_words or run[-1].end - run[0].start < options.short_seconds


def _clean_turn(
    run: list[Word], surrounding: str | None, turns: TurnIndex, overlapping: TurnIndex | None, options: AttributionOptions
) -> bool:
    """One turn of the run's speaker covers all its words, and (when known) the surrounding speaker is silent there."""
    start, end = run[0].start, run[-1].end
    speaker = run[0].speaker
    covering = [
        t for t in turns.around(start, end)
        if t.speaker == speaker and t.start <= start + options.clean_margin and t.end >= end - options.clean_margin
    ]
    if not covering:
        return False
    if overlapping is None:
        return True
    core_start, core_end = start + options.clean_margin, max(start + options.clean_margin, end - options.clean_margin)
    return not any(t.speaker == surrounding for t in overlapping.around(core_start, core_end))


def speaker_runs(words: list[Word]) -> list[list[Word]]:
    """Consecutive words grouped by speaker: the one rule for splitting a segment (attribution and edits)."""
    runs: list[list[Word]] = []
    for word in words:
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def split_by_speaker(segment: Segment) -> list[Segment]:
    """One segment per run of words by the same speaker (the segment itself when there is one run)."""
    runs = speaker_runs(segment.words)
    if len(runs) == 1:
        segment.speaker = runs[0][0].speaker
        return [segment]
    return [
        Segment(
            start=segment.start if number == 0 else words[0].start,
            end=segment.end if number == len(runs) - 1 else words[-1].end,
            text=join_words([w.text for w in words]),
            words=words,
            speaker=words[0].speaker,
            language=segment.language,
        )
        for number, words in enumerate(runs)
    ]


def fragment_cues(segments: list[Segment], options: AttributionOptions = AttributionOptions(), torn: bool = True) -> int:
    """Pieces of two words or fewer, under a second, that a change of speaker cuts out of a segment: count them on
    the segments given to ``attribute`` (their words then carry speakers), not on the split ones it returns.
    ``torn``: only pieces cut out of running speech (on at least one side, a word of another speaker follows with
    neither a pause nor punctuation between); a short line set off by pauses or punctuation on both sides (a
    genuine "Yes, sure.") is counted only with ``torn=False``."""
    count = 0
    for segment in segments:
        words, pieces = segment.words, _runs(segment.words)
        if len(pieces) > 1:
            count += sum(
                1 for start, end in pieces
                if end - start <= options.short_words and words[end - 1].end - words[start].start < options.short_seconds
                and (not torn or any(0 < b < len(words) and not _is_break(words, b, options) for b in (start, end)))
            )
    return count
