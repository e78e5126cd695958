"""castscript run VIDEO --translate-to pt --burn: transcription, diarization, translation, faces and burn-in together."""

from __future__ import annotations

import json
import subprocess

import av
import numpy as np
import pytest


def overlap(a_start, a_end, b_start, b_end) -> float:
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def test_run_burns_live_translation_next_to_each_speakers_face(clip, tmp_path):
    result = subprocess.run(["castscript", "-q", "run", str(clip.video), "--translate-to", "pt", "--burn", "-o", str(tmp_path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "WARN" not in result.stderr and "Traceback" not in result.stderr
    document = json.loads((tmp_path / "talking-heads.json").read_text())
    assert len(document["speakers"]) == 2
    assert all(s["translations"].get("pt") for s in document["segments"])

    people_side = {}
    for track in document["faces"]["tracks"]:
        centre = np.median([box[1] + box[3] / 2 for box in track["boxes"]])
        people_side[track["person"]] = "left" if centre < 320 else "right"
    voice_side = {"Anna": "left", "Ben": "right"}
    for label, speaker in document["speakers"].items():
        turns = [t for t in document["turns"] if t["speaker"] == label]
        voice = max(voice_side, key=lambda v: sum(overlap(t["start"], t["end"], r.start, r.end)
                                                  for t in turns for r in clip.turns if r.speaker == v))
        assert people_side[speaker["face_person"]] == voice_side[voice], f"{label} ({voice}) matched the wrong face"
        assert speaker["face_confidence"] > 0.5

    burned = tmp_path / "talking-heads.castscript.mp4"
    ass = (tmp_path / "talking-heads.castscript.ass").read_text()
    assert r"\ko" in ass and r"\pos" in ass
    with av.open(str(burned)) as out, av.open(str(clip.video)) as original:
        assert [bytes(p) for p in out.demux(audio=0) if p.size] == [bytes(p) for p in original.demux(audio=0) if p.size]


def test_face_analysis_runs_beside_the_audio_stages(clip, tmp_path, monkeypatch):
    import castscript.faces
    import castscript.media.scenes
    from castscript.cache import StageCache
    from castscript.pipeline import PipelineOptions, VideoOptions, run_pipeline

    searches = []
    detect_cuts = castscript.media.scenes.detect_cuts

    def counted(*args, **kwargs):
        searches.append(args[0])
        return detect_cuts(*args, **kwargs)

    monkeypatch.setattr(castscript.media.scenes, "detect_cuts", counted)
    monkeypatch.setattr(castscript.faces, "detect_cuts", counted)
    stages = []

    class Stages:
        def stage(self, name):
            stages.append(name)

        def update(self, fraction):
            pass

    options = PipelineOptions(video=VideoOptions(faces=True), formats=("json",))
    result = run_pipeline(clip.video, options, tmp_path, Stages(), StageCache(tmp_path / "cold-cache"))
    assert "faces+transcribe+diarize" in stages
    assert {"faces", "transcribe", "diarize"} <= set(result.stage_seconds)
    assert len(searches) == 1  # the face analysis found the shot changes; the cuts stage reused them
    assert result.document.cuts == pytest.approx(sorted(result.document.faces["scene_cuts"]), abs=1e-3)
    again = run_pipeline(clip.video, PipelineOptions(formats=("json",)), tmp_path / "no-faces",
                         Stages(), StageCache(tmp_path / "cold-cache"))
    assert len(searches) == 1 and again.document.cuts == result.document.cuts  # stored as the cuts stage's result
    assert {m["speaker"] for m in result.document.faces["mapping"]} == set(result.document.speakers)
