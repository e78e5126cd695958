"""castscript speakers enroll | list | rename | remove."""

from __future__ import annotations

import numpy as np
import pytest

from castscript.cli import main
from castscript.diarization import SpeakerEmbedder
from castscript.document import Document, MediaInfo, Speaker
from castscript.media import SAMPLE_RATE, decode_audio
from castscript.subtitles import write_outputs
from castscript.synthetic import write_wav
from castscript.voices import VoiceLibrary, voice_embedding


@pytest.fixture(scope="module")
def clips(demo_dialogue, tmp_path_factory):
    """Anna's and Ben's lines of the demo dialogue, one file per line."""
    wav, _, turns = demo_dialogue
    audio = decode_audio(wav)
    folder = tmp_path_factory.mktemp("clips")
    return [
        (t.speaker, write_wav(audio[int(t.start * SAMPLE_RATE) : int(t.end * SAMPLE_RATE)], folder / f"{i}-{t.speaker}.wav"))
        for i, t in enumerate(turns)
    ]


def test_enroll_list_rename_remove(clips, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CASTSCRIPT_VOICES", str(tmp_path / "cast.sqlite"))
    annas = [str(path) for name, path in clips if name == "Anna"]
    assert main(["speakers", "enroll", "Anna", *annas]) == 0
    assert f"in {tmp_path / 'cast.sqlite'}" in capsys.readouterr().out
    assert main(["speakers", "enroll", "Ben", str(clips[1][1])]) == 0
    assert main(["speakers", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in listed[-2:]] == ["Anna", "Ben"]
    assert main(["speakers", "rename", "ben", "Benjamin"]) == 0
    assert main(["speakers", "remove", "Anna"]) == 0
    assert [v.name for v in VoiceLibrary(tmp_path / "cast.sqlite").voices()] == ["Benjamin"]


def test_enroll_from_a_transcript_speaker(clips, tmp_path, capsys):
    embedding, seconds = voice_embedding(decode_audio(clips[0][1]), SpeakerEmbedder())
    speakers = {"SPEAKER_00": Speaker("SPEAKER_00", embedding=embedding.tolist(), speech_seconds=seconds)}
    [transcript] = write_outputs(Document(MediaInfo("ep1.wav", 4.0), speakers=speakers), tmp_path, "ep1", ["json"])
    library = tmp_path / "cast.sqlite"
    assert main(["speakers", "--voices", str(library), "enroll", "Anna", "--transcript", str(transcript),
                 "--speaker", "SPEAKER_00"]) == 0
    voice = VoiceLibrary(library).get("anna")
    assert voice.speech_seconds == pytest.approx(seconds)
    assert float(np.dot(voice.embedding, embedding)) == pytest.approx(1.0, abs=1e-5)
    assert main(["speakers", "--voices", str(library), "enroll", "Ben", "--transcript", str(transcript),
                 "--speaker", "SPEAKER_07"]) == 10
    assert "has no speaker 'SPEAKER_07'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["enroll", "Anna"], 10, "No audio given to enrol 'Anna'"),
        (["enroll", "Anna", "/nowhere/anna.wav"], 3, "not found"),
        (["enroll", "Anna", "--speaker", "SPEAKER_00"], 10, "--transcript and --speaker go together"),
        (["remove", "Zoe"], 10, "No voice named 'Zoe'"),
        (["list"], 0, "no voices enrolled"),
    ],
)
def test_errors_are_messages(tmp_path, capsys, args, code, message):
    assert main(["speakers", "--voices", str(tmp_path / "v.sqlite"), *args]) == code
    captured = capsys.readouterr()
    assert message in captured.err + captured.out
