"""End to end on a video of four talking-head shots under a real conversation: the cuts stage finds the three cuts
(cached, written to the JSON), no cue crosses one unless the speech does, and `run` prints the QC summary of what it
wrote."""

from __future__ import annotations

import json

import pytest

from castscript.cli import main
from castscript.subtitles.qc import read_cues
from castscript.synthetic import SHOT_CUTS as CUTS
from castscript.synthetic import shot_changes_video


@pytest.fixture(scope="module")
def four_shots(media, tmp_path_factory):
    return shot_changes_video(media, tmp_path_factory.mktemp("shots") / "four-shots.mp4")


@pytest.mark.slow
def test_cues_never_cross_a_cut_and_run_reports_qc(four_shots, tmp_path, capsys, isolated_cache):
    args = ["-q", "run", str(four_shots), "--no-diarize", "--formats", "srt,ttml,json", "-o", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "QC four-shots.srt:" in out and "QC four-shots.ttml:" in out
    assert "0 error(s)" in out and " 1 error" not in out
    document = json.loads((tmp_path / "four-shots.json").read_text())
    cuts = document["cuts"]
    assert len(cuts) == 3 and all(abs(a - b) <= 2 / 25 for a, b in zip(cuts, CUTS))
    words = [w for s in document["segments"] for w in s["words"]]
    cues = read_cues(tmp_path / "four-shots.srt")
    assert len(cues) >= 8
    for cue in cues:  # a cue crosses a cut only where the speech runs on over it (a word within 2 frames of it)
        for cut in (c for c in cuts if cue.start + 1e-3 < c < cue.end - 1e-3):
            assert any(w["start"] - 2 / 25 < cut < w["end"] + 2 / 25 for w in words), (cue, cut)
    # other tests share the session's cache: this run's entry is the one holding these cuts
    [stored] = [p for p in (isolated_cache / "stages").glob("cuts-*.json") if json.loads(p.read_text())["times"] == cuts]
    written = stored.stat().st_mtime_ns
    assert main(args) == 0  # the second run takes the cuts from the stage cache
    assert stored.stat().st_mtime_ns == written
    assert json.loads((tmp_path / "four-shots.json").read_text())["cuts"] == cuts
