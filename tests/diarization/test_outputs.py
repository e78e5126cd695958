"""RTTM and diarization-json outputs, and the speaker stage of the pipeline end to end."""

from __future__ import annotations

import json

import jsonschema
import pytest

from castscript.cli import main
from castscript.document import Document, MediaInfo, Speaker, SpeakerTurn
from castscript.core.errors import InvalidOption
from castscript.evaluation import load_rttm
from castscript.subtitles import OutputOptions
from castscript.subtitles.speaker_formats import (
    SCHEMA, clock, read_diarization_json, render_diarization_json, render_rttm, seconds,
)


@pytest.fixture
def document() -> Document:
    return Document(
        media=MediaInfo(path="/data/my talk.wav", duration=20.0),
        turns=[SpeakerTurn(0.497812, 9.779063, "SPEAKER_00"), SpeakerTurn(9.5, 15.25, "SPEAKER_01")],
        speakers={
            "SPEAKER_00": Speaker("SPEAKER_00", embedding=[1.0] + [0.0] * 191, speech_seconds=9.28),
            "SPEAKER_01": Speaker("SPEAKER_01", name="Ben", embedding=[0.0, 1.0] + [0.0] * 190, speech_seconds=5.75),
        },
    )


def test_diarization_json_has_the_replicate_shape_and_round_trips(document):
    text = render_diarization_json(document, OutputOptions(), None)
    data = json.loads(text)
    jsonschema.validate(data, SCHEMA)
    assert data["segments"][0] == {"speaker": "A", "start": "0:00:00.497812", "stop": "0:00:09.779063"}
    assert data["speakers"]["count"] == 2 and data["speakers"]["labels"] == ["A", "B"]
    assert len(data["speakers"]["embeddings"]["B"]) == 192
    back = read_diarization_json(text)
    assert [(t.start, t.end, t.speaker) for t in back.turns] == [(0.497812, 9.779063, "A"), (9.5, 15.25, "B")]
    assert back.embeddings["A"][0] == 1.0


def test_invalid_diarization_json_says_where(document):
    data = json.loads(render_diarization_json(document, OutputOptions(), None))
    data["segments"][1]["stop"] = "9.5 s"
    with pytest.raises(InvalidOption, match="segments/1/stop"):
        read_diarization_json(json.dumps(data), "hyp.json")
    with pytest.raises(InvalidOption, match="not JSON"):
        read_diarization_json("{", "hyp.json")


def test_clock_round_trips():
    for value in (0.0, 0.497812, 59.999999, 3725.5):
        assert seconds(clock(value)) == pytest.approx(value, abs=1e-6)


def test_rttm_reads_back(document, tmp_path):
    path = tmp_path / "out.rttm"
    path.write_text(render_rttm(document, OutputOptions(), None))
    reference = load_rttm(path)["my_talk"]
    assert sorted(reference.labels()) == ["SPEAKER_00", "SPEAKER_01"]
    assert reference.label_duration("SPEAKER_01") == pytest.approx(5.75, abs=1e-3)


def test_run_labels_two_speakers_in_every_output(demo_dialogue, tmp_path, capsys):
    wav, _, _ = demo_dialogue
    code = main(["-q", "run", str(wav), "-o", str(tmp_path), "--language", "en",
                 "--formats", "srt,txt,json,rttm,diarization-json", "--speaker-names", "A=Anna,SPEAKER_01=Ben",
                 "--speaker-labels"])
    assert code == 0
    assert "2 speaker(s)" in capsys.readouterr().out
    srt = (tmp_path / "dialogue.srt").read_text()
    assert "Anna: Good morning" in srt and "Ben: Yes" in srt
    document = Document.load(tmp_path / "dialogue.json")
    assert [s.display_name for s in document.speakers.values()] == ["Anna", "Ben"]
    assert all(w.speaker for s in document.segments for w in s.words)
    assert [s.speaker for s in document.segments] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00", "SPEAKER_01"]
    assert json.loads((tmp_path / "dialogue.diarization.json").read_text())["speakers"]["count"] == 2
    assert len(load_rttm(tmp_path / "dialogue.rttm")["dialogue"].labels()) == 2
