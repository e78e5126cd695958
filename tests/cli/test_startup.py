"""Start-up: ``castscript --help`` lists every command without importing them, and an audio run never loads the
service, the web app, OpenCV or the evaluation and synthetic-speech libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from castscript.cli import COMMANDS, build_parser

HEAVY = ["castscript.service", "castscript.web", "castscript.faces", "castscript.synthetic", "castscript.voices",
         "castscript.evaluation", "cv2", "fastapi", "uvicorn", "sqlalchemy", "celery", "sklearn", "pandas", "jiwer",
         "pyannote", "torch", "httpx", "jsonschema", "jinja2", "openpyxl"]


def _modules_after(code: str, **env: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, env={**os.environ, **env}).stdout
    return set(json.loads(out.splitlines()[-1]))


def _help_lines(parser) -> dict[str, str]:
    subparsers = parser._subparsers._group_actions[0]
    return {action.dest: action.help for action in subparsers._choices_actions}


def test_help_lists_every_command_with_its_modules_own_help_line():
    listed = _help_lines(build_parser(""))
    assert list(listed) == list(COMMANDS)
    assert listed == _help_lines(build_parser())  # every module registered in full: the same lines, same order
    text = build_parser("").format_help()
    assert all(name in text for name in COMMANDS) and "transcribe (and diarize, translate, burn)" in text


def test_help_imports_no_command_module():
    loaded = _modules_after("from castscript.cli import build_parser, requested_command\n"
                            "build_parser(requested_command(['--help'])).format_help()")
    assert not {m for m in loaded if m.startswith("castscript.cli.")}
    assert not {"castscript.pipeline", "numpy", "castscript.subtitles"} & loaded


def test_audio_run_loads_no_service_web_or_opencv_and_a_cached_rerun_no_model(media, tmp_path):
    run = ("from castscript.cli import main\n"
           f"assert main(['-q', 'run', {str(media / 'faster-whisper/jfk.flac')!r}, '-o', {str(tmp_path)!r}]) == 0")
    cache = str(tmp_path / "cache")
    loaded = _modules_after(run, CASTSCRIPT_CACHE=cache)
    assert "ask not what your country" in (tmp_path / "jfk.txt").read_text(encoding="utf-8")
    assert {"castscript.pipeline", "castscript.diarization", "faster_whisper"} <= loaded  # the run really ran
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY) == []
    assert not {m for m in loaded if m.startswith("castscript.cli.") and m != "castscript.cli.run"}
    again = _modules_after(run, CASTSCRIPT_CACHE=cache)  # every stage from the cache: no Whisper, no clustering
    assert not {"faster_whisper", "ctranslate2", "tokenizers", "scipy"} & again
