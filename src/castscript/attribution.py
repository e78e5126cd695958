"""Words and segments <-> speaker turns: each word gets a speaker, and segments are split where the speaker changes."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

from .document import Segment, SpeakerTurn, Word
from .subtitles.cues import join_words


class TurnIndex:
    """Non-overlapping speaker turns (diarization's exclusive turns), searchable by time."""

    def __init__(self, turns: list[SpeakerTurn]):
        self.turns = sorted(turns, key=lambda t: t.start)
        self._starts = [t.start for t in self.turns]
        self._ends = [t.end for t in self.turns]

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


def attribute(segments: list[Segment], turns: list[SpeakerTurn]) -> list[Segment]:
    """Segments with a speaker on every word and segment; a segment whose words change speaker is split."""
    index = TurnIndex(turns)
    out: list[Segment] = []
    for segment in segments:
        for word in segment.words:
            word.speaker = index.speaker_at(word.start, word.end)
        if not segment.words:
            segment.speaker = index.speaker_at(segment.start, segment.end)
            out.append(segment)
            continue
        out += split_by_speaker(segment)
    return out


def split_by_speaker(segment: Segment) -> list[Segment]:
    """One segment per run of words by the same speaker (the segment itself when there is one run)."""
    runs: list[list[Word]] = []
    for word in segment.words:
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
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
