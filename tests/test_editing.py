"""Speaker corrections on a finished transcript, and the outputs re-written from it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from castscript.document import Document, MediaInfo, Segment, Speaker, SpeakerTurn, Word
from castscript.editing import (
    EditError,
    UnknownSpeaker,
    WordRef,
    merge_speakers,
    rename_speaker,
    rewrite_outputs,
    set_word_speaker,
    word_at,
)
from castscript.subtitles import OutputOptions, write_outputs

LABELS = OutputOptions(speaker_labels=True)
"""Speaker names in subtitle lines, so renames show in the SRT."""


def timed_words(start: float, text: str, speaker: str) -> list[Word]:
    return [Word(start + 0.5 * i, start + 0.5 * i + 0.4, token, 0.9, speaker) for i, token in enumerate(text.split())]


def segment(start: float, text: str, speaker: str, pt: str = "") -> Segment:
    words = timed_words(start, text, speaker)
    return Segment(start, words[-1].end, text, words, speaker, translations={"pt": pt} if pt else {})


def unit_vector(seed: int) -> list[float]:
    vector = np.random.default_rng(seed).normal(size=192)
    return (vector / np.linalg.norm(vector)).tolist()


@pytest.fixture
def document() -> Document:
    segments = [
        segment(0.0, "Good morning. How are you?", "SPEAKER_00", "Bom dia. Como vai?"),
        segment(3.0, "Fine, thanks. Yes I am here.", "SPEAKER_01", "Bem, obrigado. Sim, estou aqui."),
        segment(6.6, "Great news today.", "SPEAKER_00", "Ótimas notícias hoje."),
    ]
    turns = [SpeakerTurn(s.start, s.end, s.speaker) for s in segments]
    speakers = {
        "SPEAKER_00": Speaker("SPEAKER_00", embedding=unit_vector(0), speech_seconds=3.7),
        "SPEAKER_01": Speaker("SPEAKER_01", embedding=unit_vector(1), speech_seconds=2.9),
    }
    return Document(
        MediaInfo("talk.wav", 9.0), "en", segments=segments, speakers=speakers, turns=turns,
        translation_languages=["pt"],
    )


@pytest.fixture
def written(document, tmp_path):
    """A finished run's outputs: JSON, SRT (and pt SRT), HTML."""
    write_outputs(document, tmp_path, "talk", ["json", "srt", "html"], LABELS)
    return tmp_path / "talk.json"


def test_rename_rewrites_srt_json_and_html(written):
    document = Document.load(written)
    assert rename_speaker(document, "SPEAKER_01", "Ben") == "SPEAKER_01"
    rename_speaker(document, "SPEAKER_00", "Anna")
    paths = rewrite_outputs(document, written, options=LABELS)
    assert {p.name for p in paths} == {"talk.json", "talk.srt", "talk.pt.srt", "talk.html"}
    srt = (written.parent / "talk.srt").read_text()
    assert "Anna: Good morning." in srt and "Ben: Fine, thanks." in srt and "SPEAKER_0" not in srt
    assert "Ben: Bem, obrigado." in (written.parent / "talk.pt.srt").read_text()
    saved = json.loads(written.read_text())
    assert saved["speakers"]["SPEAKER_01"]["name"] == "Ben"
    assert [s["speaker"] for s in saved["segments"]] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    assert "<span>Ben</span>" in (written.parent / "talk.html").read_text()


def test_rename_refuses_a_name_taken_by_another_speaker(document):
    rename_speaker(document, "SPEAKER_00", "Anna")
    with pytest.raises(EditError, match="already speaker SPEAKER_00") as error:
        rename_speaker(document, "SPEAKER_01", "anna")
    assert "--merge SPEAKER_00,SPEAKER_01" in error.value.hint


def test_merge_rewrites_outputs_with_one_speaker(written):
    document = Document.load(written)
    rename_speaker(document, "SPEAKER_01", "Ben")
    assert merge_speakers(document, ["Ben", "SPEAKER_00"]) == "SPEAKER_01"
    assert list(document.speakers) == ["SPEAKER_01"]
    merged = document.speakers["SPEAKER_01"]
    assert merged.speech_seconds == pytest.approx(2.4 + 2.9 + 1.4)  # the union of both speakers' turns
    expected = np.array(unit_vector(0)) * 3.7 + np.array(unit_vector(1)) * 2.9
    assert np.dot(merged.embedding, expected / np.linalg.norm(expected)) == pytest.approx(1.0, abs=1e-3)
    rewrite_outputs(document, written, options=LABELS)
    srt = (written.parent / "talk.srt").read_text()
    assert srt.count("Ben: ") == 1 and "SPEAKER_00" not in srt  # one speaker now: named once, at the start
    saved = Document.load(written)
    assert {w.speaker for s in saved.segments for w in s.words} == {"SPEAKER_01"}
    assert {t.speaker for t in saved.turns} == {"SPEAKER_01"}


def test_moving_an_edge_word_joins_the_neighbouring_segment(document):
    ref = word_at(document, 5.7)  # "here." at the end of SPEAKER_01's segment
    assert document.segments[ref.segment].words[ref.word].text == "here."
    set_word_speaker(document, ref, "SPEAKER_00")
    assert [s.text for s in document.segments] == [
        "Good morning. How are you?", "Fine, thanks. Yes I am", "here. Great news today."
    ]
    assert [s.speaker for s in document.segments] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    assert document.segments[1].translations == {"pt": ""}  # both changed lines wait for re-translation
    assert document.segments[2].translations == {"pt": ""}
    assert document.segments[2].start == 5.5
    assert SpeakerTurn(5.5, 5.9, "SPEAKER_00") in document.turns
    assert max(t.end for t in document.turns if t.speaker == "SPEAKER_01") == 5.5


def test_moving_a_middle_word_splits_its_segment(document):
    set_word_speaker(document, WordRef(1, 2), "SPEAKER_00")  # "Yes"
    assert [(s.speaker, s.text) for s in document.segments[1:4]] == [
        ("SPEAKER_01", "Fine, thanks."), ("SPEAKER_00", "Yes"), ("SPEAKER_01", "I am here."),
    ]
    assert [s.translations for s in document.segments[1:4]] == [{"pt": ""}] * 3  # re-translated, none keeps it all
    assert [t.speaker for t in document.turns if 3.0 <= t.start < 6.0] == ["SPEAKER_01", "SPEAKER_00", "SPEAKER_01"]


def test_unknown_speaker_names_the_known_ones(document):
    rename_speaker(document, "SPEAKER_00", "Anna")
    with pytest.raises(UnknownSpeaker) as error:
        set_word_speaker(document, WordRef(0, 0), "Carl")
    assert "'Carl' is not a speaker" in str(error.value)
    assert "SPEAKER_00 (Anna), SPEAKER_01" in error.value.hint


# ---- line operations (shared by the edits API and `castscript edit --ops`) ------------------------------------


def ops(*items: dict) -> list:
    from castscript.operations import parse_operations

    return parse_operations(list(items))


def test_set_text_keeps_unchanged_word_timings_and_spreads_new_words(document):
    from castscript.operations import apply_operations

    edited = apply_operations(document, ops({"op": "set_text", "segment": 1, "text": "Fine, thank you. Yes I am here."}),
                              None).document
    assert document.segments[1].text == "Fine, thanks. Yes I am here."  # the given document is left as it was
    segment = edited.segments[1]
    assert segment.text == "Fine, thank you. Yes I am here."
    assert [(w.text, w.start, w.end) for w in segment.words][:1] == [("Fine,", 3.0, 3.4)]
    assert [w.text for w in segment.words] == ["Fine,", "thank", "you.", "Yes", "I", "am", "here."]
    # "thank you." replaces "thanks." (3.5-3.9 s): the two new words share that span, in order, without overlap
    thank, you = segment.words[1], segment.words[2]
    assert 3.5 <= thank.start < thank.end <= you.start < you.end <= 3.9
    assert [(w.start, w.end) for w in segment.words[3:]] == [(4.0, 4.4), (4.5, 4.9), (5.0, 5.4), (5.5, 5.9)]
    assert segment.translations == {"pt": ""}  # the machine translation waits for re-translation


def test_split_merge_times_and_speakers(document):
    from castscript.operations import apply_operations

    edited = apply_operations(document, ops(
        {"op": "split", "segment": 1, "word": 2},  # "Fine, thanks." | "Yes I am here."
        {"op": "set_speaker", "segment": 2, "speaker": "Carla"},  # a new name creates a speaker
        {"op": "set_times", "segment": 0, "start": 0.2, "end": 2.6},
        {"op": "merge", "segment": 0},  # "Good morning. How are you?" + "Fine, thanks."
    ), None)
    summary, document = edited.summaries, edited.document
    assert summary[1] == "line 2: speaker Carla"
    assert [(s.speaker, s.text) for s in document.segments] == [
        ("SPEAKER_00", "Good morning. How are you? Fine, thanks."), ("SPEAKER_02", "Yes I am here."),
        ("SPEAKER_00", "Great news today."),
    ]
    assert document.speakers["SPEAKER_02"].name == "Carla"
    assert {w.speaker for w in document.segments[0].words} == {"SPEAKER_00"}
    assert document.segments[0].start == 0.2 and document.segments[0].words[-1].end == 3.9
    assert [w.start for w in document.segments[0].words[:5]] == [0.2, 0.7, 1.2, 1.7, 2.2]  # moved by 0.2 s
    assert SpeakerTurn(4.0, 5.9, "SPEAKER_02") in document.turns


def test_hand_written_translation_is_kept_and_marked(document):
    from castscript.operations import apply_operations

    document = apply_operations(document, ops(
        {"op": "set_translation", "segment": 2, "language": "pt", "text": "Boas  notícias."},
        {"op": "set_text", "segment": 2, "text": "Great news."}), None).document
    assert document.segments[2].translations == {"pt": "Boas notícias."}
    assert document.segments[2].translation_edited == ["pt"]
    assert Document.from_dict(json.loads(json.dumps(document.to_dict()))).segments[2].translation_edited == ["pt"]


def test_speaker_rename_and_merge_operations(document):
    from castscript.operations import apply_operations

    document = apply_operations(document, ops({"op": "rename_speaker", "speaker": "SPEAKER_01", "name": "Ben"},
                                              {"op": "merge_speakers", "speakers": ["SPEAKER_00"], "into": "Ben"}),
                                None).document
    assert list(document.speakers) == ["SPEAKER_01"] and document.speakers["SPEAKER_01"].name == "Ben"
    assert {s.speaker for s in document.segments} == {"SPEAKER_01"}


@pytest.mark.parametrize("operation, message", [
    ({"op": "explode"}, "unknown operation 'explode'"),
    ({"op": "set_text", "segment": 1}, r"\(set_text\) needs text"),
    ({"op": "set_text", "segment": "1", "text": "x"}, "'segment' has the wrong type"),
    ({"op": "set_text", "segment": 9, "text": "x"}, "There is no line 9"),
    ({"op": "set_text", "segment": 0, "text": "  "}, "text of line 0 is empty"),
    ({"op": "split", "segment": 0, "word": 0}, "before words 1-4, not 0"),
    ({"op": "merge", "segment": 2}, "last line"),
    ({"op": "set_times", "segment": 0, "start": 3, "end": 2}, "cannot run from 3.00 s to 2.00 s"),
    ({"op": "set_translation", "segment": 0, "language": "de", "text": "x"}, "no 'de' translation"),
    ({"op": "merge_speakers", "speakers": ["Zed"], "into": "SPEAKER_00"}, "'Zed' is not a speaker"),
])
def test_bad_operations_are_refused_and_change_nothing(document, operation, message):
    from castscript.operations import apply_operations, parse_operations

    before = json.dumps(document.to_dict())
    with pytest.raises(EditError, match=message):  # after a valid edit: the list applies whole or not at all
        apply_operations(document, parse_operations([{"op": "set_text", "segment": 1, "text": "Changed."},
                                                     operation]), None)
    assert json.dumps(document.to_dict()) == before


def test_moving_one_word_keeps_every_translation_in_place(tmp_path):
    """Regression (issue 15): moving one word's speaker left the Portuguese for 39-42 s empty and laid the whole
    segment's translation over a shorter piece (2.7 s late). Each piece is now re-translated from its own words."""
    import pysubs2

    from castscript.operations import apply_operations

    segments = [
        segment(35.0, "We started the project last spring.", "SPEAKER_00", "Começámos o projeto na primavera passada."),
        segment(39.0, "It was hard work. Really? Yes, every single day.", "SPEAKER_00",
                "Foi um trabalho árduo. Sério? Sim, todos os dias."),
        segment(44.0, "And now it is finished.", "SPEAKER_00", "E agora está terminado."),
    ]
    speakers = {"SPEAKER_00": Speaker("SPEAKER_00"), "SPEAKER_01": Speaker("SPEAKER_01")}
    document = Document(MediaInfo("talk.wav", 50.0), "en", segments=segments, speakers=speakers,
                        translation_languages=["pt"])
    document = apply_operations(document, ops({"op": "set_word_speaker", "segment": 1, "word": 4,
                                               "speaker": "SPEAKER_01"})).document
    assert [(s.speaker, s.text) for s in document.segments[1:4]] == [
        ("SPEAKER_00", "It was hard work."), ("SPEAKER_01", "Really?"), ("SPEAKER_00", "Yes, every single day."),
    ]
    pt = [s.translations["pt"] for s in document.segments]
    assert all(pt) and pt[0] == "Começámos o projeto na primavera passada." and pt[4] == "E agora está terminado."
    assert "trabalho" in pt[1].lower() and "todos os dias" in pt[3].lower()
    write_outputs(document, tmp_path, "talk", ["srt"])
    cues = pysubs2.load(str(tmp_path / "talk.pt.srt"))
    for piece in document.segments[1:4]:  # every piece's Portuguese is on screen while it is spoken
        first_word = piece.translations["pt"].split()[0]
        assert any(first_word in e.plaintext and e.start / 1000 <= piece.start + 0.05 < e.end / 1000 for e in cues), \
            (piece.start, [(e.start, e.plaintext) for e in cues])
    speech = [(s.start, s.end) for s in document.segments]
    covered = lambda t: any(e.start / 1000 <= t <= e.end / 1000 + 0.05 for e in cues)
    assert all(covered(t / 10) for a, b in speech for t in range(int(a * 10) + 1, int(b * 10)))


def test_retyped_line_is_force_aligned_on_its_audio(media):
    """A retyped line's words get their times from the audio (Whisper's aligner), not a proportional guess: the
    pause after "Americans," in jfk.flac (about 2.1-3.2 s) stays a pause."""
    from castscript.alignment import WhisperAligner
    from castscript.editing import _spread
    from castscript.operations import apply_operations

    jfk = media / "faster-whisper" / "jfk.flac"
    text = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
    segment = Segment(0.0, 10.8, text, _spread(text.split(), 0.0, 10.8, None))
    document = Document(MediaInfo(str(jfk), 11.0), "en", segments=[segment])
    new = text.replace("fellow", "dear")
    operations = ops({"op": "set_text", "segment": 0, "text": new})
    guessed = apply_operations(document, operations, None).document.segments[0].words
    aligned = apply_operations(document, operations, None, aligner=WhisperAligner(jfk)).document.segments[0].words
    assert [w.text for w in aligned] == new.split()
    assert aligned[5].start - aligned[4].end > 0.8  # "Americans," ... "ask": the pause is found
    assert guessed[5].start - guessed[4].end < 0.3  # the proportional guess has none
    assert 1.2 <= aligned[3].start <= 1.6 and 9.8 <= aligned[-1].end <= 10.8  # "dear", "country."
    assert all(a.end <= b.start + 1e-6 for a, b in zip(aligned, aligned[1:]))
