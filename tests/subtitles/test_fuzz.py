"""Property tests: any words and timings give cues that keep the line rules and parse back with pysubs2."""

from __future__ import annotations

import pysubs2
from hypothesis import given, settings
from hypothesis import strategies as st

from castscript.document import Document, MediaInfo, Segment, Word
from castscript.subtitles import CueRules, build_cues
from castscript.subtitles.formats import FORMATS, OutputOptions

TOKEN = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12)


@st.composite
def documents(draw):
    texts = draw(st.lists(TOKEN, min_size=1, max_size=80))
    gaps = draw(st.lists(st.floats(0, 2.0), min_size=len(texts), max_size=len(texts)))
    lengths = draw(st.lists(st.floats(0.01, 1.5), min_size=len(texts), max_size=len(texts)))
    words, cursor = [], 0.0
    for text, gap, length in zip(texts, gaps, lengths):
        cursor += gap
        words.append(Word(round(cursor, 3), round(cursor + length, 3), text))
        cursor += length
    segment = Segment(words[0].start, words[-1].end, " ".join(texts), words)
    return Document(MediaInfo("f.wav", cursor + 1), "en", segments=[segment])


@settings(max_examples=150, deadline=None)
@given(document=documents(), line=st.integers(12, 60), lines=st.integers(1, 3))
def test_cue_rules_hold(document, line, lines):
    rules = CueRules(max_chars_per_line=line, max_lines=lines)
    cues = build_cues(document, rules)
    for cue in cues:
        assert all(len(text) <= rules.max_chars_per_line for text in cue.lines)
        assert cue.end > cue.start
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    assert sum(len(c.words) for c in cues) == len(document.segments[0].words)


@settings(max_examples=60, deadline=None)
@given(document=documents(), fmt=st.sampled_from(["srt", "vtt", "ass"]))
def test_written_subtitles_parse_back(document, fmt):
    text = FORMATS[fmt].render(document, OutputOptions(), None)
    parsed = pysubs2.SSAFile.from_string(text)
    assert len(parsed) == len(build_cues(document, CueRules()))
