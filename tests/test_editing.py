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
from castscript.subtitles import write_outputs


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
    write_outputs(document, tmp_path, "talk", ["json", "srt", "html"])
    return tmp_path / "talk.json"


def test_rename_rewrites_srt_json_and_html(written):
    document = Document.load(written)
    assert rename_speaker(document, "SPEAKER_01", "Ben") == "SPEAKER_01"
    rename_speaker(document, "SPEAKER_00", "Anna")
    paths = rewrite_outputs(document, written)
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
    rewrite_outputs(document, written)
    srt = (written.parent / "talk.srt").read_text()
    assert srt.count("Ben: ") == 3 and "SPEAKER_00" not in srt
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
    assert document.segments[1].translations == {"pt": "Bem, obrigado. Sim, estou aqui."}
    assert document.segments[2].start == 5.5
    assert SpeakerTurn(5.5, 5.9, "SPEAKER_00") in document.turns
    assert max(t.end for t in document.turns if t.speaker == "SPEAKER_01") == 5.5


def test_moving_a_middle_word_splits_its_segment(document):
    set_word_speaker(document, WordRef(1, 2), "SPEAKER_00")  # "Yes"
    assert [(s.speaker, s.text) for s in document.segments[1:4]] == [
        ("SPEAKER_01", "Fine, thanks."), ("SPEAKER_00", "Yes"), ("SPEAKER_01", "I am here."),
    ]
    assert [bool(s.translations) for s in document.segments[1:4]] == [False, False, True]
    assert [t.speaker for t in document.turns if 3.0 <= t.start < 6.0] == ["SPEAKER_01", "SPEAKER_00", "SPEAKER_01"]


def test_unknown_speaker_names_the_known_ones(document):
    rename_speaker(document, "SPEAKER_00", "Anna")
    with pytest.raises(UnknownSpeaker) as error:
        set_word_speaker(document, WordRef(0, 0), "Carl")
    assert "'Carl' is not a speaker" in str(error.value)
    assert "SPEAKER_00 (Anna), SPEAKER_01" in error.value.hint
