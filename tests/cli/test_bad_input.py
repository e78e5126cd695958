"""`castscript run` on the bad-input matrix: each broken file gets its own message and exit code, each awkward but
valid one a result; never a traceback. The CLI's entry point runs in-process (what the `castscript` script calls),
so one loaded model serves every case."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from castscript.cli import main

NOT_MEDIA, NO_AUDIO, CORRUPT, TOO_LONG, BAD_OPTION = 4, 5, 6, 11, 2

REFUSED = [
    ("empty", NOT_MEDIA, "Input file is empty (0 bytes)"),
    ("text-as-mp4", NOT_MEDIA, "holds text, not audio or video"),
    ("16-byte-text-as-flac", NOT_MEDIA, "holds text, not audio or video"),
    ("unknown-binary-format", NOT_MEDIA, "Not a media file (ffmpeg cannot read it)"),
    ("flac-header-only", CORRUPT, "ends before its first audio or video data: it is truncated"),
    ("wav-without-samples", CORRUPT, "No audio could be decoded"),
    ("truncated-mp4", CORRUPT, "starts like a media file (MP4/QuickTime) but cannot be opened: it is probably truncated"),
    ("truncated-faststart-mp4", CORRUPT, "is truncated: its header declares 11.0 s of audio"),
    ("truncated-mp3", CORRUPT, "is truncated: its header declares 11.0 s of audio"),
    ("video-without-audio", NO_AUDIO, "No audio stream"),
    ("bomb-declared-100h", TOO_LONG, "lasts 100.0 h, more than the limit of 12.0 h"),
]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def castscript(capsys):
    """``castscript -q ARGS`` -> exit code and output (an exception escaping main() fails the test: a traceback)."""

    def run(*args: str) -> Result:
        code = main(["-q", *args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def assert_clean_failure(result: Result, code: int, message: str) -> None:
    assert result.returncode == code, result.stderr
    assert message in result.stderr, result.stderr


@pytest.mark.parametrize("name, code, message", REFUSED, ids=[case[0] for case in REFUSED])
def test_broken_file_is_refused_with_its_own_message(castscript, bad_media, robustness, tmp_path, name, code, message):
    robustness.bad_input("cli", name)
    path = bad_media[name]
    result = castscript("run", str(path), "--no-diarize", "-o", str(tmp_path))
    assert_clean_failure(result, code, message)
    assert path.name in result.stderr and "hint:" in result.stderr
    assert not list(tmp_path.iterdir())  # no empty "successful" outputs


def test_decompression_bomb_is_stopped_at_the_duration_limit(castscript, bad_media, robustness, tmp_path, monkeypatch):
    """The header declares nothing; decoding stops as soon as the audio passes the limit (here 10 minutes)."""
    robustness.bad_input("cli", "bomb-undeclared-1h")
    path = bad_media["bomb-undeclared-1h"]
    assert path.stat().st_size < 20_000  # 14 kB of FLAC that decodes to an hour (115 MB of samples)
    monkeypatch.setenv("CASTSCRIPT_MAX_DURATION", "600")
    started = time.monotonic()
    result = castscript("run", str(path), "--no-diarize", "-o", str(tmp_path))
    assert_clean_failure(result, TOO_LONG, "decodes to more audio than its header declares, more than the limit of 600 s")
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("name", ["0.1s-audio", "6h-silence"])
def test_silent_or_tiny_audio_gives_an_empty_transcript_quickly(castscript, bad_media, robustness, tmp_path, name):
    robustness.bad_input("cli", name)
    started = time.monotonic()
    result = castscript("run", str(bad_media[name]), "--no-diarize", "--formats", "txt,json", "-o", str(tmp_path))
    elapsed = time.monotonic() - started
    print(f"{name}: {elapsed:.1f} s")
    assert result.returncode == 0, result.stderr
    assert "0 segment(s)" in result.stdout
    assert elapsed < 60  # 6 h of silence: one decode pass (about 10 s on 2 cores), no transcription


@pytest.mark.parametrize("name, extra", [("8ch-96khz", []), ("vfr-video", ["--faces"]),
                                          ("8192x8192-video", ["--faces"]), ("unicode-spaces-name", [])])
def test_awkward_but_valid_media_is_transcribed(castscript, bad_media, robustness, tmp_path, name, extra):
    robustness.bad_input("cli", name)
    path = bad_media[name]
    result = castscript("run", str(path), "--no-diarize", "--formats", "txt,json", *extra, "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / f"{path.stem}.txt").read_text()
    assert "ask not what your country can do for you" in text


WRONG_OPTIONS = [
    (["--num-speakers", "-2"], "--num-speakers must be a positive whole number, got -2"),
    (["--min-speakers", "0"], "--min-speakers must be a positive whole number, got 0"),
    (["--min-speakers", "4", "--max-speakers", "2"], "larger than --max-speakers"),
    (["--language", "xx"], "Unknown language 'xx'"),
    (["--translate-to", "pt,xx"], "Unknown translation target language(s): xx"),
    (["--formats", "srt,docx"], "Unknown output format(s): docx"),
    (["--speaker-names", "Anna"], "is not LABEL=Name"),
]


@pytest.mark.parametrize("args, message", WRONG_OPTIONS, ids=[" ".join(case[0]) for case in WRONG_OPTIONS])
def test_wrong_option_values_are_refused_before_any_work(castscript, bad_media, robustness, tmp_path, args, message):
    """Checked up front: the 6 h file would take seconds to decode, so a quick refusal shows nothing ran."""
    robustness.bad_input("cli", " ".join(args))
    started = time.monotonic()
    result = castscript("run", str(bad_media["6h-silence"]), *args, "-o", str(tmp_path))
    assert_clean_failure(result, BAD_OPTION, message)
    assert time.monotonic() - started < 3
    if "language" in message:
        assert "af, am, ar" in result.stderr  # the hint lists the codes to choose from
