"""Active speaker detection (Light-ASD) on real talking heads: crops, scores, and faces matched to voices by who is
actually speaking, in compositions where co-occurrence cannot tell."""

from __future__ import annotations

import json

import numpy as np
import pytest

from castscript.cache import StageCache, media_fingerprint
from castscript.core.errors import ModelNotFound
from castscript.document import Document, Speaker
from castscript.faces import attach_faces, cached_face_analysis
from castscript.faces.asd import PAD_GREY, SpeakingScorer, crop_face
from castscript.faces.synthetic import composition
from castscript.media import probe


@pytest.fixture(scope="session")
def analysed(tmp_path_factory, media):
    """kind -> (composition, document with its faces attached); compositions and analyses shared by the session."""
    base = tmp_path_factory.getbasetemp()
    cache = StageCache(base / "face-cache")
    found = {}
    for kind in ("side-by-side", "narrator"):
        made = composition(kind, media, base / "compositions")
        document = Document(media=probe(made.video), turns=list(made.turns),
                            speakers={t.speaker: Speaker(t.speaker) for t in made.turns})
        attach_faces(document, cached_face_analysis(made.video, media_fingerprint(made.video), cache, lambda _: None))
        found[kind] = (made, document)
    return found


def test_crop_is_the_readme_window_with_grey_padding():
    frame = np.zeros((400, 400), dtype=np.uint8)
    x, y, s = 200.0, 150.0, 100.0
    frame[int(y - 0.3 * s) : int(y + 1.1 * s), int(x - 0.7 * s) : int(x + 0.7 * s)] = 255
    crop = crop_face(frame, x, y, s)
    assert crop.shape == (112, 112) and crop[2:-2, 2:-2].min() == 255
    edge = crop_face(frame, 10.0, 10.0, 100.0)  # mostly outside the frame: padded with the README's grey
    assert edge[0, 0] == PAD_GREY


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotFound, match="light-asd"):
        SpeakingScorer(model_dir=tmp_path)


def test_side_by_side_voices_go_to_the_face_that_speaks(analysed):
    made, document = analysed["side-by-side"]
    faces = document.faces
    left_face, right_face = sorted(faces["people"], key=lambda p: _centre(faces, p["id"]))
    mapping = {m["speaker"]: m for m in faces["mapping"]}
    assert mapping["LEFT"]["person"] == left_face["id"] and mapping["RIGHT"]["person"] == right_face["id"]
    assert {m["method"] for m in mapping.values()} == {"speaking"}
    # Both faces are on screen the whole time: screen time cannot tell them apart, the speaking scores can.
    assert abs(left_face["visible_seconds"] - right_face["visible_seconds"]) < 0.5
    evidence = faces["speaking_evidence"]
    assert evidence["LEFT"][left_face["id"]] > 0.5 > evidence["LEFT"][right_face["id"]]
    assert evidence["RIGHT"][right_face["id"]] > 0.5 > evidence["RIGHT"][left_face["id"]]
    assert document.speakers["LEFT"].face_person == left_face["id"]
    assert all(len(box) == 6 for track in faces["tracks"] for box in track["boxes"])
    json.dumps(faces)


def test_narrator_over_a_silent_face_is_unmatched(analysed):
    made, document = analysed["narrator"]
    faces = document.faces
    assert len(faces["people"]) == 1 and faces["people"][0]["visible_seconds"] > 6
    assert faces["mapping"] == [] and document.speakers["NARRATOR"].face_person is None
    assert faces["speaking_evidence"]["NARRATOR"][faces["people"][0]["id"]] < 0


def _centre(faces: dict, person: str) -> float:
    return float(np.median([b[1] + b[3] / 2 for t in faces["tracks"] if t["person"] == person for b in t["boxes"]]))


def test_the_model_is_registered_and_fetching_it_without_a_source_is_a_clear_error(tmp_path, monkeypatch):
    from castscript import models

    assert "light-asd" in models.PIPELINE_MODELS
    assert models.find_local("light-asd") is not None, "the bundle's light-asd folder resolves"
    monkeypatch.delenv("CASTSCRIPT_MODEL_MIRROR", raising=False)
    with pytest.raises(ModelNotFound, match="no public download"):
        models.fetch("light-asd", tmp_path)


def test_video_at_30_fps_is_resampled_to_the_models_25(media):
    from castscript.faces.asd import _grid_frames

    clip = media / "talking-heads/d12.mp4"  # 30 fps, 7.32 s
    indices = [index for index, _ in _grid_frames(clip, 10_000, set(range(0, 10_000, 5)))]
    assert indices == list(range(0, indices[-1] + 1, 5)) and abs(indices[-1] / 25 - 7.3) < 0.1
