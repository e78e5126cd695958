"""Every option of `castscript run` and of the API's JobOptions is refused before any decoding when wrong."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from castscript.cli import build_parser, main
from castscript.core.errors import CastscriptError, InvalidOption
from castscript.core.options import AsrOptions, SpeakerOptions, TranslationOptions, VideoOptions
from castscript.pipeline import PipelineOptions
from castscript.service.schemas import JobOptions

RUN_MATRIX = [
    (["--language", "xx"], "Unknown language 'xx'"),
    (["--task", "summarise"], "invalid choice"),
    (["--model", " "], "--model must name"),
    (["--device", "tpu"], "invalid choice"),
    (["--compute-type", "int3"], "--compute-type must be one of"),
    (["--batch-size", "-1"], "--batch-size must be"),
    (["--threads", "-1"], "--threads must be"),
    (["--num-speakers", "0"], "--num-speakers must be a positive"),
    (["--min-speakers", "-1"], "--min-speakers must be a positive"),
    (["--max-speakers", "0"], "--max-speakers must be a positive"),
    (["--clustering", "kmeans"], "invalid choice"),
    (["--speaker-accuracy", "best"], "invalid choice"),
    (["--min-speakers", "4", "--max-speakers", "2"], "larger than --max-speakers"),
    (["--speaker-names", "Anna"], "is not LABEL=Name"),
    (["--voice-threshold", "2"], "--voice-threshold is a cosine score"),
    (["--identify", "--no-diarize"], "--identify needs diarization"),
    (["--speaker-accuracy", "high", "--no-diarize"], "--speaker-accuracy needs diarization"),
    (["--num-speakers", "2", "--clustering", "spectral", "--no-diarize"], "--num-speakers, --clustering need diarization"),
    (["--translate-to", "xx"], "Unknown translation target"),
    (["--translator", "babel"], "Unknown translator 'babel'"),
    (["--translator", "openai:"], "Unknown translator 'openai:'"),
    (["--translator", "whisper", "--translate-to", "pt"], "into English only"),
    (["--style", "fancy"], "invalid choice"),
    (["--font-size", "0"], "--font-size must be"),
    (["--max-lines", "0"], "--max-lines must be"),
    (["--max-lines", "9"], "--max-lines must be at most"),
    (["--formats", "srt,docx"], "Unknown output format(s): docx"),
    (["--max-line-chars", "5"], "--max-line-chars must be at least 10"),
    (["--max-cue-lines", "0"], "--max-cue-lines at least 1"),
    (["--max-cps", "0"], "--max-cps must be a positive number"),
    (["--max-cps", "-3"], "--max-cps must be a positive number"),
    (["--min-cue-duration", "0"], "--min-cue-duration must be a positive"),
    (["--max-cue-duration", "-1"], "--max-cue-duration must be a positive"),
    (["--min-cue-duration", "8", "--max-cue-duration", "2"], "is above --max-cue-duration"),
    (["--batch-size", "two"], "invalid int value"),
    (["--subtitle-profile", "nope"], "invalid choice"),
    (["--fps", "0"], "--fps must be between"),
    (["--start-timecode", "1 o'clock"], "timecode"),
]


@pytest.mark.parametrize("args, message", RUN_MATRIX, ids=[" ".join(a) for a, _ in RUN_MATRIX])
def test_run_refuses_each_wrong_option_before_decoding(args, message, media, tmp_path, capsys, monkeypatch):
    def no_decoding(*_args, **_kwargs):
        raise AssertionError("media was decoded")

    monkeypatch.setattr("castscript.stages.base.decode_audio", no_decoding)
    try:
        code = main(["run", str(media / "faster-whisper/jfk.flac"), *args, "-o", str(tmp_path)])
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


JOB_MATRIX = [
    {"language": "xx"}, {"language": "EN!"}, {"task": "summarise"}, {"model": "../etc"}, {"num_speakers": 0},
    {"min_speakers": -1}, {"max_speakers": 0}, {"clustering": "kmeans"}, {"speaker_accuracy": "best"}, {"min_speakers": 4, "max_speakers": 2}, {"speaker_names": {"A": " "}},
    {"translate_to": ["xx"]}, {"translator": "babel"}, {"translator": "openai:"},
    {"translator": "whisper", "translate_to": ["pt"]}, {"identify": True, "diarize": False},
    {"speaker_accuracy": "high", "diarize": False}, {"max_speakers": 3, "diarize": False}, {"style": "fancy"},
    {"font_size": 0}, {"max_lines": 0}, {"max_lines": 9}, {"formats": ["docx"]}, {"formats": []},
    {"max_line_chars": 5}, {"max_cue_lines": 0}, {"max_cps": 0}, {"max_cps": -3}, {"min_cue_duration": 0},
    {"max_cue_duration": -1}, {"min_cue_duration": 8, "max_cue_duration": 2}, {"multilingual": "maybe"},
    {"diarize": "x"}, {"burn": "x"}, {"faces": "x"}, {"bilingual": "x"}, {"speaker_labels": "x"}, {"use_cache": "x"},
    {"subtitle_profile": "nope"}, {"fps": 0}, {"start_timecode": "1 o'clock"}, {"unknown_option": 1},
]


@pytest.mark.parametrize("values", JOB_MATRIX, ids=[str(v) for v in JOB_MATRIX])
def test_job_options_refuse_each_wrong_value(values):
    with pytest.raises((ValidationError, InvalidOption)):
        JobOptions(**values).to_pipeline_options()


def test_every_job_option_is_in_the_matrix():
    tried = {name for values in JOB_MATRIX for name in values} - {"unknown_option"}
    assert set(JobOptions.model_fields) - tried == set()


def test_every_run_flag_is_in_the_matrix_or_a_switch():
    parser = build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]
    flags = {a.option_strings[-1] for a in run._actions if a.option_strings and a.nargs != 0 and a.dest != "help"}
    tried = {arg for args, _ in RUN_MATRIX for arg in args if arg.startswith("--")}
    left = flags - tried - {"--output-dir", "--voices"}  # any folder; a voice library path (checked with --identify)
    assert left == set()


def test_cli_and_api_defaults_are_the_core_defaults():
    run = build_parser()._subparsers._group_actions[0].choices["run"]
    args = run.parse_args(["x"])
    assert (args.model, args.task, args.device, args.batch_size) == (
        AsrOptions.model, AsrOptions.task, AsrOptions.device, AsrOptions.batch_size)
    assert (args.translator, args.style, args.max_lines) == (
        TranslationOptions.translator, VideoOptions.style, VideoOptions.max_lines)
    api = JobOptions().to_pipeline_options()
    assert api.asr == AsrOptions(language="auto") and api.speakers == SpeakerOptions()
    assert api.translation == TranslationOptions() and api.video == VideoOptions()
    assert api.formats == PipelineOptions().formats and api.output == PipelineOptions().output


def test_api_accepts_openai_model(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    options = JobOptions(translator="openai:gpt-4o-mini", translate_to=["pt"]).to_pipeline_options()
    assert options.translation.translator == "openai:gpt-4o-mini"
    assert JobOptions.from_pipeline_options(options).translator == "openai:gpt-4o-mini"


def test_offline_translation_without_a_model_exits_8_at_once(media, tmp_path, capsys, monkeypatch):
    """Nothing decoded (decoding would fail the test), nothing written, in seconds rather than a transcription."""
    monkeypatch.setenv("CASTSCRIPT_OFFLINE", "1")
    monkeypatch.setattr("castscript.stages.base.decode_audio", lambda *a, **k: pytest.fail("media was decoded"))
    started = time.monotonic()
    code = main(["run", str(media / "faster-whisper/jfk.flac"), "--translate-to", "ja", "-o", str(tmp_path)])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 8, err
    assert "No offline Bergamot model translates into ja" in err and "Traceback" not in err
    assert elapsed < 5 and list(tmp_path.iterdir()) == []


def test_offline_translation_check_from_the_command_line(media, tmp_path):
    """The same through the installed entry point (a fresh process: imports included)."""
    env = {**os.environ, "CASTSCRIPT_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-m", "castscript", "run", str(media / "faster-whisper/jfk.flac"),
                             "--translate-to", "ja", "-o", str(tmp_path)], capture_output=True, text=True, env=env)
    assert result.returncode == 8 and "No offline Bergamot model translates into ja" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_error_has_a_code_exit_code_and_status():
    from castscript.core.errors import all_errors

    run_errors = [e for e in all_errors() if e.exit_code > 1]
    assert len({e.exit_code for e in run_errors if e.__module__ == "castscript.core.errors"}) == len(
        [e for e in run_errors if e.__module__ == "castscript.core.errors"])
    for error in all_errors():
        assert error.code and 400 <= error.http_status < 600
        assert issubclass(error, CastscriptError)


def test_web_translator_without_a_key_exits_8_before_decoding(media, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DEEPL_API_KEY", raising=False)
    monkeypatch.setattr("castscript.stages.base.decode_audio", lambda *a, **k: pytest.fail("media was decoded"))
    code = main(["run", str(media / "faster-whisper/jfk.flac"), "--translate-to", "pt", "--translator", "deepl",
                 "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 8 and "The DeepL translator needs an API key" in err and list(tmp_path.iterdir()) == []
