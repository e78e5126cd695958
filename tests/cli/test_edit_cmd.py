"""castscript edit: corrections in command-line order, outputs re-written, clear errors."""

from __future__ import annotations

import json

import pysubs2
import pytest

from castscript.cli import main
from castscript.document import Document, MediaInfo, Segment, Speaker, Word
from castscript.subtitles import write_outputs


@pytest.fixture
def transcript(tmp_path):
    def words(start, text, speaker):
        return [Word(start + 0.5 * i, start + 0.5 * i + 0.4, t, 0.9, speaker) for i, t in enumerate(text.split())]

    segments = [
        Segment(0.0, 1.9, "Hello, how are you?", words(0.0, "Hello, how are you?", "SPEAKER_00"), "SPEAKER_00"),
        Segment(3.0, 4.9, "Fine thanks. And you?", words(3.0, "Fine thanks. And you?", "SPEAKER_01"), "SPEAKER_01"),
        Segment(6.0, 6.9, "Great, thanks.", words(6.0, "Great, thanks.", "SPEAKER_02"), "SPEAKER_02"),
    ]
    speakers = {label: Speaker(label) for label in ("SPEAKER_00", "SPEAKER_01", "SPEAKER_02")}
    document = Document(MediaInfo("chat.wav", 8.0), "en", segments=segments, speakers=speakers)
    write_outputs(document, tmp_path, "chat", ["json", "srt", "txt"])
    return tmp_path / "chat.json"


def test_edits_apply_in_order_and_rewrite_the_outputs(transcript, capsys):
    code = main(["edit", str(transcript), "--rename", "SPEAKER_00=Anna", "--merge", "Anna,SPEAKER_02",
                 "--rename", "SPEAKER_01=Ben", "--word-speaker", "4.1=Anna", "--word-speaker", "4.7=Anna"])
    assert code == 0
    out = capsys.readouterr().out
    assert "merged Anna, SPEAKER_02 into SPEAKER_00" in out and "gave 'And' (4.00 s) to Anna" in out
    cues = [event.plaintext for event in pysubs2.load(str(transcript.parent / "chat.srt"))]
    assert cues == ["Anna: Hello, how are you?", "Ben: Fine thanks.", "Anna: And you?", "Anna: Great, thanks."]
    txt = (transcript.parent / "chat.txt").read_text()
    assert txt.count("Anna:") == 3 and "SPEAKER_" not in txt
    saved = json.loads(transcript.read_text())
    assert sorted(saved["speakers"]) == ["SPEAKER_00", "SPEAKER_01"]
    assert sorted(p.name for p in transcript.parent.iterdir()) == ["chat.json", "chat.srt", "chat.txt"]


def test_formats_and_output_folder(transcript, tmp_path):
    out = tmp_path / "edited"
    assert main(["edit", str(transcript), "--rename", "SPEAKER_01=Ben", "--formats", "vtt,html", "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["chat.html", "chat.json", "chat.vtt"]
    assert "Ben: Fine thanks." in (out / "chat.vtt").read_text()
    assert Document.load(transcript).speakers["SPEAKER_01"].name is None, "the original stays as it was"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--rename", "SPEAKER_09=Zoe"], 2, "'SPEAKER_09' is not a speaker of this transcript"),
        (["--rename", "Anna"], 2, "is not of the form SPEAKER_00=Anna"),
        (["--word-speaker", "soon=SPEAKER_00"], 2, "'soon' is not a time in seconds"),
        (["--merge", "SPEAKER_00"], 2, "Merging needs at least two different speakers"),
        ([], 2, "Nothing to do"),
    ],
)
def test_bad_edits_exit_with_a_message(transcript, capsys, args, code, message):
    before = transcript.read_text()
    assert main(["edit", str(transcript), *args]) == code
    assert message in capsys.readouterr().err
    assert transcript.read_text() == before


def test_missing_or_foreign_json(tmp_path, capsys):
    assert main(["edit", str(tmp_path / "none.json"), "--rename", "A=B"]) == 3
    assert "No transcript at" in capsys.readouterr().err
    (tmp_path / "other.json").write_text('{"segments": []}')
    assert main(["edit", str(tmp_path / "other.json"), "--rename", "A=B"]) == 2
    assert "is not a castscript JSON transcript" in capsys.readouterr().err
