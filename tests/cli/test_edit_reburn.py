"""castscript edit on a run that burned a video: the video is burned again from the edited transcript, with the faces
and shot changes the transcript carries (no face analysis, ASR or diarization runs again)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pysubs2
import pytest

import castscript.faces
from castscript.cli import main
from castscript.core.options import VideoOptions
from castscript.pipeline import PipelineOptions, run_pipeline

NEW_TEXT = "ZEBRA QUARTZ"


def frame(video, seconds: float) -> np.ndarray:
    """The frame at ``seconds`` as 8-bit RGB."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    side = int(round((len(raw) // 3) ** 0.5))
    return np.frombuffer(raw, np.uint8).reshape(side, side, 3).astype(int)


def changed_pixels(a: np.ndarray, b: np.ndarray) -> int:
    return int((np.abs(a - b).max(axis=2) > 40).sum())


@pytest.fixture(scope="module")
def burned_run(media, tmp_path_factory):
    """d12.mp4 (7.3 s, one talking head saying "My-") run with --burn; a copy of the first burned video."""
    folder = tmp_path_factory.mktemp("reburn")
    clip = shutil.copy(media / "talking-heads" / "d12.mp4", folder / "d12.mp4")
    options = PipelineOptions(video=VideoOptions(burn=True), formats=("json", "srt"))
    run_pipeline(clip, options, folder / "out")
    shutil.copy(folder / "out" / "d12.castscript.mp4", folder / "before.mp4")
    return folder


def test_edit_burns_the_video_again_from_the_edited_transcript(burned_run, monkeypatch, capsys):
    out = burned_run / "out"
    document = json.loads((out / "d12.json").read_text())
    assert document["faces"] and len(document["segments"]) == 1
    ops = burned_run / "ops.json"
    ops.write_text(json.dumps([{"op": "set_text", "segment": 0, "text": NEW_TEXT}]))

    def no_analysis(*args, **kwargs):
        raise AssertionError("face analysis ran again")

    monkeypatch.setattr(castscript.faces, "analyse_faces", no_analysis)
    assert main(["edit", str(out / "d12.json"), "--ops", str(ops), "--no-align"]) == 0
    assert f"burned {out / 'd12.castscript.mp4'}" in capsys.readouterr().out

    events = [e for e in pysubs2.load(str(out / "d12.castscript.ass")) if NEW_TEXT.split()[-1] in e.plaintext]
    assert events, "the burned subtitles do not hold the edited text"
    shown = max(events, key=lambda e: e.end)
    during = (shown.start + shown.end) / 2000
    before, after = frame(burned_run / "before.mp4", during), frame(out / "d12.castscript.mp4", during)
    assert changed_pixels(before, after) > 300  # the subtitle drawn there changed
    quiet = 6.5  # no speech, no subtitle: the picture is the same
    assert changed_pixels(frame(burned_run / "before.mp4", quiet), frame(out / "d12.castscript.mp4", quiet)) < 30


def test_missing_media_is_named_after_the_text_outputs_are_written(burned_run, tmp_path, capsys):
    moved = tmp_path / "moved"
    shutil.copytree(burned_run / "out", moved)
    transcript = json.loads((moved / "d12.json").read_text())
    transcript["media"]["path"] = str(tmp_path / "gone.mp4")
    (moved / "d12.json").write_text(json.dumps(transcript))
    ops = tmp_path / "ops.json"
    ops.write_text(json.dumps([{"op": "set_text", "segment": 0, "text": "Mine"}]))
    assert main(["edit", str(moved / "d12.json"), "--ops", str(ops), "--no-align"]) != 0
    assert "could not be burned again" in capsys.readouterr().err
    assert "Mine" in (moved / "d12.srt").read_text()
