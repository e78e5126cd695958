"""Words get the speaker they overlap most (or the nearest one); segments split where the speaker changes."""

from __future__ import annotations

from castscript.attribution import TurnIndex, attribute
from castscript.document import Segment, SpeakerTurn, Word

TURNS = [SpeakerTurn(0.0, 2.0, "A"), SpeakerTurn(2.5, 5.0, "B"), SpeakerTurn(6.0, 7.0, "A")]


def test_word_takes_the_speaker_it_overlaps_most():
    index = TurnIndex(TURNS)
    assert index.speaker_at(1.8, 2.6) == "A"
    assert index.speaker_at(1.9, 3.0) == "B"


def test_word_in_a_gap_takes_the_nearest_speaker():
    index = TurnIndex(TURNS)
    assert index.speaker_at(2.2, 2.4) == "B"
    assert index.speaker_at(5.1, 5.3) == "B"
    assert index.speaker_at(5.7, 5.9) == "A"
    assert index.speaker_at(9.0, 9.5) == "A"
    assert TurnIndex([]).speaker_at(0, 1) is None


def test_segment_spanning_a_speaker_change_is_split():
    words = [Word(0.1, 0.5, "Hello"), Word(0.6, 1.9, "there."), Word(2.6, 3.0, "Hi,"), Word(3.1, 3.5, "you!")]
    segment = Segment(0.0, 3.6, "Hello there. Hi, you!", words, language="en")
    out = attribute([segment], TURNS)
    assert [(s.speaker, s.text, s.start, s.end) for s in out] == [
        ("A", "Hello there.", 0.0, 1.9),
        ("B", "Hi, you!", 2.6, 3.6),
    ]
    assert all(w.speaker == s.speaker for s in out for w in s.words)
    assert out[1].language == "en"


def test_one_speaker_segment_is_kept_whole_and_wordless_segment_gets_a_speaker():
    whole = Segment(2.6, 4.0, "Fine, thanks.", [Word(2.6, 3.0, "Fine,"), Word(3.1, 4.0, "thanks.")])
    wordless = Segment(6.1, 6.8, "Bye.")
    out = attribute([whole, wordless], TURNS)
    assert out[0] is whole and whole.speaker == "B"
    assert out[1].speaker == "A"
