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
    code = main(["edit", str(transcript), "--speaker-labels", "--rename", "SPEAKER_00=Anna",
                 "--merge", "Anna,SPEAKER_02",
                 "--rename", "SPEAKER_01=Ben", "--word-speaker", "4.1=Anna", "--word-speaker", "4.7=Anna"])
    assert code == 0
    out = capsys.readouterr().out
    assert "merged Anna, SPEAKER_02 into SPEAKER_00" in out and "gave 'And' (4.00 s) to Anna" in out
    cues = [event.plaintext for event in pysubs2.load(str(transcript.parent / "chat.srt"))]
    assert cues == ["Anna: Hello, how are you?", "Ben: Fine thanks.", "Anna: And you?", "Great, thanks."]  # same speaker goes on
    txt = (transcript.parent / "chat.txt").read_text()
    assert txt.count("Anna:") == 3 and "SPEAKER_" not in txt
    saved = json.loads(transcript.read_text())
    assert sorted(saved["speakers"]) == ["SPEAKER_00", "SPEAKER_01"]
    assert sorted(p.name for p in transcript.parent.iterdir()) == ["chat.json", "chat.srt", "chat.txt"]


def test_formats_and_output_folder(transcript, tmp_path):
    out = tmp_path / "edited"
    assert main(["edit", str(transcript), "--rename", "SPEAKER_01=Ben", "--formats", "vtt,html", "-o", str(out),
                 "--speaker-labels"]) == 0
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
        (["--rename", "SPEAKER_01=Ben", "--style", "live", "--max-lines", "1"], 2,
         "--style, --max-lines re-render a burned video, but there is no chat.castscript.mp4 beside chat.json"),
        (["--rename", "SPEAKER_01=Ben", "--no-align", "--model", "tiny"], 2,
         "--no-align, --model would have no effect: without --ops no line is retyped, so none is aligned."),
        (["--rename", "SPEAKER_01=Ben", "--media", "chat.wav"], 2, "--media would have no effect: without --ops no "
         "line is retyped, so none is aligned, and there is no chat.castscript.mp4 beside chat.json to burn."),
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


@pytest.fixture
def translated(tmp_path):
    """A Portuguese-translated two-line transcript with SRT and JSON outputs."""
    def words(start, text, speaker):
        return [Word(start + 0.5 * i, start + 0.5 * i + 0.4, t, 0.9, speaker) for i, t in enumerate(text.split())]

    segments = [
        Segment(0.0, 2.4, "The weather is nice today.", words(0.0, "The weather is nice today.", "SPEAKER_00"),
                "SPEAKER_00", translations={"pt": "O tempo está bom hoje."}),
        Segment(3.0, 4.4, "I agree with you.", words(3.0, "I agree with you.", "SPEAKER_01"), "SPEAKER_01",
                translations={"pt": "Concordo contigo."}),
    ]
    speakers = {label: Speaker(label) for label in ("SPEAKER_00", "SPEAKER_01")}
    document = Document(MediaInfo("talk.wav", 5.0), "en", segments=segments, speakers=speakers,
                        translation_languages=["pt"])
    write_outputs(document, tmp_path, "talk", ["json", "srt"])
    return tmp_path / "talk.json"


def test_ops_file_applies_the_api_operations_and_retranslates(translated, tmp_path, capsys):
    ops = tmp_path / "ops.json"
    ops.write_text(json.dumps({"base_revision": 0, "operations": [
        {"op": "set_text", "segment": 0, "text": "The weather is terrible today."},
        {"op": "set_speaker", "segment": 1, "speaker": "Maria"},
    ]}))
    assert main(["edit", str(translated), "--ops", str(ops), "--rename", "SPEAKER_00=Jon"]) == 0
    out = capsys.readouterr().out
    assert "renamed SPEAKER_00 to Jon" in out and "line 1: speaker Maria" in out and "re-translated 1 edited" in out
    saved = Document.load(translated)
    assert saved.segments[0].text == "The weather is terrible today."
    assert saved.segments[0].translations["pt"] not in ("", "O tempo está bom hoje.")
    assert saved.segments[1].translations["pt"] == "Concordo contigo."  # untouched line: not re-translated
    assert saved.speakers[saved.segments[1].speaker].name == "Maria"
    pt = [e.plaintext for e in pysubs2.load(str(translated.parent / "talk.pt.srt"))]
    assert saved.segments[0].translations["pt"] in " ".join(pt).replace("\n", " ")
    assert "terrible" in (translated.parent / "talk.srt").read_text()
    modes = {oct(p.stat().st_mode & 0o777) for p in translated.parent.glob("talk*")}
    assert modes == {oct(0o666 & ~_umask())}  # 0644 under umask 022, never mkstemp's 0600


def _umask() -> int:
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(("content", "message"), [
    ("[]", "must be a non-empty list"),
    ('[{"op": "split", "segment": 0}]', "(split) needs word"),
    ("{not json", "is not JSON"),
    ('[{"op": "merge", "segment": 1}]', "Line 1 is the last line"),
])
def test_bad_ops_files_exit_2_and_change_nothing(translated, tmp_path, capsys, content, message):
    ops = tmp_path / "ops.json"
    ops.write_text(content)
    before = translated.read_text()
    assert main(["edit", str(translated), "--ops", str(ops)]) == 2
    assert message in capsys.readouterr().err
    assert translated.read_text() == before


def test_word_speaker_keeps_the_translation_of_every_piece(translated):
    """Regression (issue 15): --word-speaker split a line and left one piece's Portuguese empty, with exit code 0."""
    assert main(["edit", str(translated), "--word-speaker", "4.0=SPEAKER_00"]) == 0  # "with" of "I agree with you."
    saved = Document.load(translated)
    assert [(s.speaker, s.text) for s in saved.segments[1:]] == [
        ("SPEAKER_01", "I agree"), ("SPEAKER_00", "with"), ("SPEAKER_01", "you.")]
    assert all(s.translations["pt"].strip() for s in saved.segments)
    cues = pysubs2.load(str(translated.parent / "talk.pt.srt"))
    for segment in saved.segments:  # Portuguese on screen while each piece is spoken, none of it lost
        middle = (segment.start + segment.end) / 2
        assert any(e.start / 1000 <= middle <= e.end / 1000 for e in cues), (middle, [(e.start, e.end) for e in cues])
    text = " ".join(e.plaintext.replace("\n", " ") for e in cues)
    assert all(s.translations["pt"] in text for s in saved.segments), text


RETYPE = {"op": "set_text", "segment": 0, "text": "The weather is awful today."}


@pytest.mark.parametrize(("operations", "args", "message"), [
    ([{"op": "set_speaker", "segment": 1, "speaker": "Maria"}], ["--no-align"],
     "--no-align would have no effect: no set_text in --ops retypes a line, so none is aligned."),
    ([RETYPE], ["--no-align", "--model", "base"], "--model would have no effect: --no-align turns the alignment off."),
    ([RETYPE], ["--no-align", "--media", "talk.wav"], "--media would have no effect: --no-align turns the alignment "
     "off, and there is no talk.castscript.mp4 beside talk.json to burn."),
    ([RETYPE], ["--model", "base"], "--model would have no effect: the media to align on is neither at talk.wav nor "
     "beside talk.json."),
])
def test_alignment_flags_that_cannot_take_effect_are_refused(translated, tmp_path, capsys, operations, args, message):
    ops = tmp_path / "ops.json"
    ops.write_text(json.dumps(operations))
    before = {path: path.read_text() for path in translated.parent.glob("talk*")}
    assert main(["edit", str(translated), "--ops", str(ops), *args]) == 2
    assert message in capsys.readouterr().err
    assert {path: path.read_text() for path in translated.parent.glob("talk*")} == before


def test_media_and_model_align_a_retyped_line_and_no_align_keeps_the_guess(media, tmp_path):
    """The alignment flags where they take effect: --media (the recorded path is gone) and --model align a retyped
    line of jfk.flac on its audio, so the pause after "Americans," (about 2.1-3.2 s) is found; --no-align keeps the
    proportional guess, which has none."""
    text = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
    tokens = text.split()
    step = 10.8 / len(tokens)
    words = [Word(i * step, (i + 1) * step, token, 0.9) for i, token in enumerate(tokens)]
    document = Document(MediaInfo(str(tmp_path / "gone" / "jfk.flac"), 11.0), "en",
                        segments=[Segment(0.0, 10.8, text, words)])
    ops = tmp_path / "ops.json"
    ops.write_text(json.dumps([{"op": "set_text", "segment": 0, "text": text.replace("fellow", "dear")}]))
    pauses = {}
    for name, args in {"aligned": ["--media", str(media / "faster-whisper" / "jfk.flac"), "--model", "base"],
                       "guessed": ["--no-align"]}.items():
        write_outputs(document, tmp_path / name, "jfk", ["json"])
        assert main(["edit", str(tmp_path / name / "jfk.json"), "--ops", str(ops), *args]) == 0
        edited = Document.load(tmp_path / name / "jfk.json").segments[0].words
        assert edited[3].text == "dear"
        pauses[name] = edited[5].start - edited[4].end  # "Americans," ... "ask"
    assert pauses["aligned"] > 0.8 and pauses["guessed"] < 0.3, pauses
