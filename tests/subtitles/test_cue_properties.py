"""Property test of cue building: any words and timings give cues within the line count and the duration limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from castscript.document import Document, MediaInfo, Segment, Word
from castscript.subtitles import CueRules, build_cues

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)
FRAME = 1 / 25  # audio-only media are timed at 25 frames a second


@st.composite
def speech(draw):
    """One segment of 1-80 words, each 0.05-1.2 s long after a 0-1.5 s pause."""
    texts = draw(st.lists(WORD, min_size=1, max_size=80))
    words, cursor = [], 0.5
    for text in texts:
        cursor += draw(st.floats(0, 1.5))
        length = draw(st.floats(0.05, 1.2))
        words.append(Word(round(cursor, 3), round(cursor + length, 3), text))
        cursor += length
    segment = Segment(words[0].start, words[-1].end, " ".join(texts), words)
    return Document(MediaInfo("talk.wav", cursor + 10), "en", segments=[segment])


@settings(max_examples=120, deadline=None)
@given(document=speech(), line=st.integers(20, 50), lines=st.integers(1, 3), longest=st.floats(3.0, 8.0))
def test_cues_keep_line_count_and_durations(document, line, lines, longest):
    rules = CueRules(max_chars_per_line=line, max_lines=lines, max_duration=longest)
    cues = build_cues(document, rules)
    assert cues
    for cue in cues:
        assert 1 <= len(cue.lines) <= rules.max_lines, cue.lines
        assert all(len(text) <= rules.max_chars_per_line for text in cue.lines), cue.lines
        assert rules.min_duration - FRAME <= cue.end - cue.start <= rules.max_duration + FRAME, (cue.start, cue.end)
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))


@settings(max_examples=200, deadline=None)
@given(words=st.lists(WORD, min_size=1, max_size=30), line=st.integers(12, 50), lines=st.integers(1, 4))
def test_wrap_lines_honours_max_lines(words, line, lines):
    """Text that fits in ``max_lines`` lines at spaces (greedy fill proves it) is never wrapped into more."""
    from castscript.subtitles import wrap_lines

    rules = CueRules(max_chars_per_line=line, max_lines=lines)
    greedy: list[str] = []
    for word in words:
        if greedy and len(greedy[-1]) + 1 + len(word) <= line:
            greedy[-1] += " " + word
        else:
            greedy.append(word)
    wrapped = wrap_lines(" ".join(words), rules)
    assert " ".join(wrapped).split() == words
    if len(greedy) <= lines:
        assert len(wrapped) <= lines and all(len(text) <= line for text in wrapped), wrapped
