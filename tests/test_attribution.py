"""Words get the speaker they overlap most (or the nearest one); segments split where the speaker changes."""

from __future__ import annotations

from castscript.attribution import TurnIndex, attribute, fragment_cues
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


def words_of(spec: list[tuple[float, float, str]]) -> list[Word]:
    return [Word(start, end, text) for start, end, text in spec]


def test_one_word_flip_between_runs_of_one_speaker_is_absorbed():
    """Diarization hears B for 0.3 s inside A's sentence (overlap or a wrong frame): no "of" cue of its own."""
    words = words_of([(0.0, 0.4, "We"), (0.45, 0.8, "spoke"), (0.85, 1.1, "of"), (1.15, 1.5, "the"), (1.55, 2.0, "plan"),
                      (2.05, 2.5, "today.")])
    segment = Segment(0.0, 2.5, "We spoke of the plan today.", words)
    exclusive = [SpeakerTurn(0.0, 0.9, "A"), SpeakerTurn(0.9, 1.2, "B"), SpeakerTurn(1.2, 2.6, "A")]
    overlapping = [SpeakerTurn(0.0, 2.6, "A"), SpeakerTurn(0.9, 1.2, "B")]
    out = attribute([segment], exclusive, overlapping)
    assert [(s.speaker, s.text) for s in out] == [("A", "We spoke of the plan today.")]
    assert fragment_cues([segment]) == 0


def test_genuine_two_word_reply_in_a_clean_turn_is_kept():
    words = words_of([(0.0, 0.5, "Can"), (0.55, 0.9, "you"), (0.95, 1.5, "come?"), (1.9, 2.2, "Yes,"), (2.25, 2.6, "sure."),
                      (3.0, 3.4, "Great,"), (3.45, 3.9, "thanks.")])
    segment = Segment(0.0, 3.9, "Can you come? Yes, sure. Great, thanks.", words)
    turns = [SpeakerTurn(0.0, 1.6, "A"), SpeakerTurn(1.8, 2.7, "B"), SpeakerTurn(2.9, 4.0, "A")]
    out = attribute([segment], turns, turns)
    assert [(s.speaker, s.text) for s in out] == [("A", "Can you come?"), ("B", "Yes, sure."), ("A", "Great, thanks.")]
    assert fragment_cues([segment]) == 0  # lines of their own, set off by pauses: not torn out of running speech
    assert fragment_cues([segment], torn=False) == 2  # "Yes, sure." and "Great, thanks." are short lines


def test_change_inside_a_sentence_moves_to_the_nearest_punctuation():
    """The diarization's change falls 0.3 s after the comma: the line breaks at the comma, not mid-phrase."""
    words = words_of([(0.0, 0.4, "Well,"), (0.45, 0.8, "I"), (0.85, 1.2, "think"), (1.25, 1.6, "so"), (1.65, 2.0, "too"),
                      (2.05, 2.4, "honestly")])
    segment = Segment(0.0, 2.4, "Well, I think so too honestly", words)
    turns = [SpeakerTurn(0.0, 0.75, "A"), SpeakerTurn(0.75, 2.5, "B")]
    out = attribute([segment], turns)
    assert [(s.speaker, s.text) for s in out] == [("A", "Well,"), ("B", "I think so too honestly")]


def test_short_run_closing_a_segment_joins_the_next_segment_of_its_speaker():
    """The ASR's segment ran two words into B's turn: the cue breaks where B starts, not two words later."""
    first = Segment(0.0, 2.6, "I agree with you there", words_of([(0.0, 0.4, "I"), (0.45, 0.9, "agree"), (0.95, 1.5, "with"),
                                                                 (1.55, 1.9, "you"), (2.2, 2.6, "there")]))
    second = Segment(2.7, 4.0, "is the plan.", words_of([(2.7, 3.0, "is"), (3.05, 3.3, "the"), (3.35, 4.0, "plan.")]))
    first.words[-1].text, first.text = "But", "I agree with you But"
    turns = [SpeakerTurn(0.0, 2.0, "A"), SpeakerTurn(2.1, 4.1, "B")]
    out = attribute([first, second], turns, turns)
    assert [(s.speaker, s.text) for s in out] == [("A", "I agree with you"), ("B", "But is the plan.")]
    assert out[1].start == 2.2 and fragment_cues([first, second]) == 0


def test_change_just_before_a_sentence_end_moves_to_it():
    """The diarization hears B from the last word of A's sentence, 0.45 s before its full stop and a long pause: the
    break is that far from the change (not 0.45 s plus the pause), so the sentence stays whole."""
    words = words_of([(0.0, 0.4, "We"), (0.45, 0.7, "met"), (0.75, 0.9, "at"), (0.95, 1.1, "the"), (1.15, 1.6, "station."),
                      (2.3, 2.8, "Hello"), (2.85, 3.3, "there.")])
    segment = Segment(0.0, 3.3, "We met at the station. Hello there.", words)
    turns = [SpeakerTurn(0.0, 1.15, "A"), SpeakerTurn(1.15, 3.4, "B")]
    original = [segment]
    out = attribute(list(original), turns, turns)
    assert [(s.speaker, s.text) for s in out] == [("A", "We met at the station."), ("B", "Hello there.")]
    assert fragment_cues(original) == 0


def test_first_word_of_a_phrase_running_on_into_another_speaker_takes_that_speaker():
    """"Just" opens B's sentence but A's turn runs 0.45 s into it: not a clean turn of A, so B says it all."""
    words = words_of([(0.0, 0.6, "Fine,"), (0.65, 1.0, "thanks."), (2.0, 2.7, "Just"), (2.7, 3.2, "suppose"), (3.2, 3.5, "it"),
                      (3.5, 3.7, "is"), (3.7, 4.1, "true.")])
    segment = Segment(0.0, 4.1, "Fine, thanks. Just suppose it is true.", words)
    turns = [SpeakerTurn(0.0, 2.45, "A"), SpeakerTurn(2.45, 4.2, "B")]
    original = [segment]
    out = attribute(list(original), turns, turns)
    assert [(s.speaker, s.text) for s in out] == [("A", "Fine, thanks."), ("B", "Just suppose it is true.")]
    assert fragment_cues(original) == 0


def test_reply_running_on_without_a_pause_is_kept_in_a_clean_turn():
    """B cuts in ("No way.") with no pause and no punctuation before it, but in a clean turn of B: B's line stays."""
    words = words_of([(0.0, 0.3, "I"), (0.35, 0.6, "think"), (0.65, 0.8, "we"), (0.85, 1.1, "should"), (1.15, 1.5, "go"),
                      (1.5, 1.8, "No"), (1.85, 2.2, "way.")])
    segment = Segment(0.0, 2.2, "I think we should go No way.", words)
    turns = [SpeakerTurn(0.0, 1.5, "A"), SpeakerTurn(1.5, 2.3, "B")]
    out = attribute([segment], turns, turns)
    assert [(s.speaker, s.text) for s in out] == [("A", "I think we should go"), ("B", "No way.")]
