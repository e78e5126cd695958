"""Faces: detection, tracking, clustering into people and matching to speakers on composed talking-head videos."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace

import numpy as np
import pytest

from castscript.cache import StageCache
from castscript.document import Document, MediaInfo, Speaker, SpeakerTurn
from castscript.faces import (
    FaceAnalysis, FaceBox, FaceTrack, analyse_faces, attach_faces, cached_face_analysis, match_speakers,
)
from castscript.faces.cluster import cluster_tracks
from castscript.faces.models import FaceModels
from castscript.faces.synthetic import make_clip
from castscript.media import probe


@pytest.fixture(scope="module")
def clip(tmp_path_factory, media):
    """Obama (Anna's face) on the left, Biden (Ben's face) on the right; both on screen during the 1.5 s lead-in."""
    return make_clip(tmp_path_factory.mktemp("faces"), {"Anna": media / "faces/obama.jpg", "Ben": media / "faces/biden.jpg"})


@pytest.fixture(scope="module")
def face_models():
    return FaceModels()


@pytest.fixture(scope="module")
def analysis(clip, face_models):
    return analyse_faces(clip.video, face_models=face_models)


def side(analysis: FaceAnalysis, person: str) -> str:
    centres = [b.center_x for t in analysis.tracks if t.person == person for b in t.boxes]
    return "left" if np.median(centres) < analysis.width / 2 else "right"


def test_tracks_cluster_into_two_people(analysis):
    assert analysis.people == ["FACE_00", "FACE_01"]
    assert len(analysis.tracks) >= 4, "each face leaves and comes back, so each person has several tracks"
    assert {side(analysis, p) for p in analysis.people} == {"left", "right"}
    for track in analysis.tracks:
        assert {("left" if b.center_x < analysis.width / 2 else "right") for b in track.boxes} == {side(analysis, track.person)}


def test_faces_seen_together_are_different_people(analysis):
    lead_in = [t for t in analysis.tracks if t.start < 1.0]
    assert len(lead_in) == 2 and lead_in[0].person != lead_in[1].person


def test_each_face_is_matched_to_the_voice_heard_with_it(clip, analysis, tmp_path):
    document = Document(media=probe(clip.video), turns=list(clip.turns),
                        speakers={"Anna": Speaker("Anna"), "Ben": Speaker("Ben")})
    cache = StageCache(tmp_path)
    fractions = []
    attach_faces(document, cached_face_analysis(clip.video, "talking-heads", cache, fractions.append))
    anna, ben = document.speakers["Anna"], document.speakers["Ben"]
    assert side(analysis, anna.face_person) == "left" and side(analysis, ben.face_person) == "right"
    assert anna.face_confidence > 0.5 and ben.face_confidence > 0.5
    assert fractions and fractions[-1] > 0.9
    summary = json.loads(json.dumps(document.faces))
    assert {(m["speaker"], m["person"]) for m in summary["mapping"]} == {("Anna", anna.face_person), ("Ben", ben.face_person)}
    assert {p["speaker"] for p in summary["people"]} == {"Anna", "Ben"}
    assert all(len(box) in (5, 6) for track in summary["tracks"] for box in track["boxes"])

    again = Document(media=document.media, turns=list(clip.turns), speakers={"Anna": Speaker("Anna")})
    attach_faces(again, cached_face_analysis(clip.video, "talking-heads", cache, lambda _: None))
    assert cache.hits == ["faces"] and again.speakers["Anna"].face_person == anna.face_person


def test_a_voice_never_seen_stays_unmatched(clip, analysis):
    narrator = [SpeakerTurn(13.2, 15.0, "Narrator"), SpeakerTurn(0.1, 1.4, "Narrator")]
    matches, _ = match_speakers(analysis, clip.turns + narrator, clip.duration)
    assert sorted(m.speaker for m in matches) == ["Anna", "Ben"]


def test_faces_always_on_screen_together_cannot_be_told_apart():
    boxes = [FaceBox(i / 4, 0, 0, 50, 50) for i in range(40)]
    analysis = FaceAnalysis(640, 360, 4.0, [FaceTrack(0, boxes, "FACE_00"), FaceTrack(1, boxes, "FACE_01")])
    turns = [SpeakerTurn(0, 4, "A"), SpeakerTurn(5, 9, "B")]
    assert match_speakers(analysis, turns, 10.0) == ([], {})
    alone = replace(analysis, tracks=analysis.tracks[:1])
    matches, _ = match_speakers(alone, [SpeakerTurn(0, 9, "A")], 10.0)
    assert [(m.speaker, m.person, m.method) for m in matches] == [("A", "FACE_00", "co-occurrence")]


def test_tracks_seen_at_the_same_time_never_merge():
    alike = np.array([[1.0, 0.0], [1.0, 0.0], [0.9, np.sqrt(1 - 0.81)]])
    assert cluster_tracks(alike, [(0, 5), (6, 9), (3, 4)], threshold=0.5) == [0, 0, 1]
    assert cluster_tracks(np.array([[1.0, 0.0], [0.0, 1.0]]), [(0, 1), (2, 3)], threshold=0.5) == [0, 1]


@pytest.fixture(scope="module")
def scene_cut_video(tmp_path_factory, media, face_models):
    """Obama for 2 s, then a hard cut to Biden, each framed around the face so that the faces overlap."""
    import cv2

    folder = tmp_path_factory.mktemp("cut")
    shots = []
    for name in ("obama", "biden"):
        image = cv2.imread(str(media / f"faces/{name}.jpg"))
        x, y, w, h = face_models.detect(image)[0].box
        width = min(image.shape[1], int(h * 2.6))
        height = width * 9 // 16
        left = int(np.clip(x + w / 2 - width / 2, 0, image.shape[1] - width))
        top = int(np.clip(y + h / 2 - height / 2, 0, image.shape[0] - height))
        shot = folder / f"{name}.png"
        cv2.imwrite(str(shot), cv2.resize(image[top: top + height, left: left + width], (640, 360)))
        shots.append(shot)
    video = folder / "cut.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-t", "2", "-i", str(shots[0]), "-loop", "1", "-t", "2",
                    "-i", str(shots[1]), "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-r", "15",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(video)], check=True)
    return video


def test_a_scene_cut_ends_every_track(scene_cut_video, face_models):
    analysis = analyse_faces(scene_cut_video, face_models=face_models)
    assert len(analysis.scene_cuts) == 1 and abs(analysis.scene_cuts[0] - 2.0) < 0.3
    assert len(analysis.tracks) == 2 and len(analysis.people) == 2
    blind = analyse_faces(scene_cut_video, face_models=face_models, cuts=[])
    assert len(blind.tracks) == 1, "without the cut the two faces overlap enough to be tracked as one"


def test_video_without_faces_gives_an_empty_analysis(tmp_path, face_models):
    video = tmp_path / "blank.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=320x240:r=10:d=2",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(video)], check=True)
    analysis = analyse_faces(video, face_models=face_models)
    assert analysis.tracks == [] and analysis.people == []
    document = Document(media=MediaInfo(str(video), 2.0, has_video=True), turns=[SpeakerTurn(0, 1, "A")])
    attach_faces(document, cached_face_analysis(video, "blank", StageCache(enabled=False), lambda _: None))
    assert document.faces["mapping"] == [] and document.faces["people"] == []
