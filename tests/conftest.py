"""Shared fixtures: the offline model bundle, the shared media, a per-session cache, synthetic dialogues."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("CASTSCRIPT_MODELS", str(ROOT.parent / "shared" / "models"))
os.environ.setdefault("CASTSCRIPT_MEDIA", str(ROOT.parent / "shared" / "media"))
os.environ["CASTSCRIPT_OFFLINE"] = "1"

MEDIA = Path(os.environ["CASTSCRIPT_MEDIA"])
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    """Stage cache and downloads go to a fresh folder per test session."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["CASTSCRIPT_CACHE"] = str(folder)
    os.environ["CASTSCRIPT_VOICES"] = str(folder / "voices.sqlite")
    return folder


@pytest.fixture(scope="session")
def media() -> Path:
    assert MEDIA.is_dir(), f"shared media not found at {MEDIA}; set CASTSCRIPT_MEDIA"
    return MEDIA


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def demo_dialogue(tmp_path_factory):
    """A two-voice espeak-ng dialogue (Anna, Ben) with its exact reference turns."""
    from castscript.synthetic import DEMO_LINES, dialogue, write_rttm, write_wav

    folder = tmp_path_factory.mktemp("demo")
    audio, turns = dialogue(DEMO_LINES)
    wav = write_wav(audio, folder / "dialogue.wav")
    rttm = write_rttm(turns, folder / "dialogue.rttm", "dialogue")
    return wav, rttm, turns
