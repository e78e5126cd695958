"""Shot-change detection on a video composed from three talking-head clips (two hard cuts, at 3.0 s and 5.5 s)."""

from __future__ import annotations

import pytest

from castscript.core.errors import CorruptMedia, InputNotFound
from castscript.media.scenes import detect_cuts
from tests.conftest import ffmpeg

CLIPS = (("d6.mp4", 3.0), ("d10.mp4", 2.5), ("d12.mp4", 3.0))
CUTS = (3.0, 5.5)


def compose_cuts(media, path, with_audio: bool = False):
    """Concatenate the first seconds of three talking-head clips at 25 fps: hard cuts at ``CUTS``."""
    inputs, chains, labels = [], [], ""
    for i, (name, seconds) in enumerate(CLIPS):
        inputs += ["-i", str(media / "talking-heads" / name)]
        chains.append(f"[{i}:v]trim=0:{seconds},setpts=PTS-STARTPTS,scale=320:320,fps=25[v{i}]")
        labels += f"[v{i}]"
        if with_audio:
            chains.append(f"[{i}:a]atrim=0:{seconds},asetpts=PTS-STARTPTS,aresample=16000[a{i}]")
            labels += f"[a{i}]"
    chains.append(f"{labels}concat=n=3:v=1:a={int(with_audio)}[v]" + ("[a]" if with_audio else ""))
    maps = ["-map", "[v]"] + (["-map", "[a]"] if with_audio else [])
    ffmpeg(*inputs, "-filter_complex", ";".join(chains), *maps, "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", str(path))
    return path


@pytest.fixture(scope="module")
def composed(media, tmp_path_factory):
    return compose_cuts(media, tmp_path_factory.mktemp("scenes") / "two-cuts.mp4")


def test_two_cuts_found_within_two_frames(composed):
    reports: list[float] = []
    cuts = detect_cuts(composed, progress=reports.append)
    assert len(cuts) == 2
    for found, expected in zip(cuts, CUTS):
        assert abs(found - expected) <= 2 / 25
    assert reports[-1] == 1.0 and reports == sorted(reports)


def test_one_shot_has_no_cut(media):
    assert detect_cuts(media / "talking-heads" / "d6.mp4") == []


def test_bad_inputs_are_named(tmp_path):
    with pytest.raises(InputNotFound):
        detect_cuts(tmp_path / "missing.mp4")
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(CorruptMedia):
        detect_cuts(text)
