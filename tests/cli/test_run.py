"""castscript run end to end, and bad input giving a specific message and exit code (never a traceback)."""

from __future__ import annotations

import json
import subprocess

import pysubs2
import pytest


def castscript(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(["castscript", *args], capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def jfk_run(tmp_path_factory, media):
    out = tmp_path_factory.mktemp("jfk")
    result = castscript("run", str(media / "faster-whisper/jfk.flac"), "--no-diarize", "-o", str(out),
                        "--formats", "srt,vtt,txt,json,whisperx-json")
    return result, out


def test_run_writes_every_format(jfk_run):
    result, out = jfk_run
    assert result.returncode == 0, result.stderr
    assert "language en" in result.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ["jfk.json", "jfk.srt", "jfk.txt", "jfk.vtt", "jfk.whisperx.json"]
    srt = pysubs2.load(str(out / "jfk.srt"))
    assert "ask not what your country can do for you" in " ".join(e.plaintext.replace("\n", " ") for e in srt)
    document = json.loads((out / "jfk.json").read_text())
    assert document["language"] == "en" and document["segments"][0]["words"][0]["text"] == "And"
    assert "Traceback" not in result.stderr


def test_second_run_reuses_the_cached_transcription(jfk_run, media, tmp_path):
    from castscript.pipeline import PipelineOptions, SpeakerOptions, run_pipeline

    options = PipelineOptions(speakers=SpeakerOptions(enabled=False), formats=("txt",))
    first = run_pipeline(media / "faster-whisper/jfk.flac", options, tmp_path)
    second = run_pipeline(media / "faster-whisper/jfk.flac", options, tmp_path)
    assert "transcribe" in second.cached_stages
    assert second.document.segments == first.document.segments


def silent(tmp_path, seconds: float, name="silence.wav"):
    path = tmp_path / name
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"anullsrc=r=16000:cl=mono", "-t", str(seconds),
                    str(path)], check=True)
    return path


def test_silent_audio_gives_an_empty_transcript(tmp_path):
    result = castscript("run", str(silent(tmp_path, 5)), "--no-diarize", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "0 segment(s)" in result.stdout
    assert (tmp_path / "silence.srt").read_text() == ""


def write(path, text: str):
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "make, code, message",
    [
        (lambda d: d / "missing.mp4", 3, "Input file not found"),
        (lambda d: write(d / "empty.mp3", ""), 4, "empty"),
        (lambda d: write(d / "notes.mp4", "hello\n" * 50), 4, "Not a media file"),
    ],
    ids=["missing", "empty", "text-as-mp4"],
)
def test_bad_input_exit_codes(tmp_path, make, code, message):
    path = make(tmp_path)
    result = castscript("run", str(path), "--no-diarize")
    assert result.returncode == code, result.stderr
    assert message in result.stderr and str(path.name) in result.stderr
    assert "Traceback" not in result.stderr


def test_video_without_audio_exit_code(tmp_path):
    video = tmp_path / "mute.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=160x120:r=10:d=1", str(video)], check=True)
    result = castscript("run", str(video), "--no-diarize")
    assert result.returncode == 5 and "No audio stream" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--formats", "srt,docx"], "Unknown output format(s): docx"),
        (["--num-speakers", "-2"], "--num-speakers must be a positive"),
        (["--min-speakers", "4", "--max-speakers", "2"], "larger than --max-speakers"),
        (["--language", "xx"], "Unknown language 'xx'"),
        (["--speaker-names", "Anna"], "is not LABEL=Name"),
    ],
)
def test_wrong_option_values(tmp_path, media, args, message):
    # The language is checked against the model, so these runs need speech.
    result = castscript("run", str(media / "faster-whisper/jfk.flac"), "--no-diarize", *args, "-o", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_translation_failing_mid_run_keeps_the_other_outputs_and_exits_8(jfk_run, media, tmp_path, monkeypatch, capsys):
    """DeepL unreachable (a closed port): the transcript is written, the run exits 8 naming the missing language."""
    from castscript.cli import main

    monkeypatch.setenv("DEEPL_API_KEY", "test:fx")
    monkeypatch.setenv("DEEPL_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CASTSCRIPT_HTTP_BACKOFF", "0.01")
    code = main(["-q", "run", str(media / "faster-whisper/jfk.flac"), "--no-diarize", "--translate-to", "pt",
                 "--translator", "deepl", "--formats", "srt,json", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 8, err
    assert "could not reach" in err and "missing: the translations into pt" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jfk.json", "jfk.srt"]
    assert "ask not what your country" in (tmp_path / "jfk.srt").read_text()
