"""Live translation on real footage (compositions of the shared talking heads): subtitle pixels rendered by libass are
never on a face, sit by the face that speaks, move at a cut, and two people talking at once get two blocks."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from castscript.cache import StageCache, media_fingerprint
from castscript.document import Document, Speaker, SpeakerTurn
from castscript.faces import FaceAnalysis, attach_faces, cached_face_analysis
from castscript.faces.synthetic import composition
from castscript.media import probe
from castscript.render import AssOptions, build_ass

SIZE = (640, 360)
FPS = 4


def documented(kind, media, base, lines, spoken) -> Document:
    made = composition(kind, media, base / "compositions")
    document = Document(media=probe(made.video), turns=list(made.turns), translation_languages=["pt"],
                        speakers={t.speaker: Speaker(t.speaker) for t in made.turns},
                        segments=[spoken(SpeakerTurn(a, b, who), text, pt) for a, b, who, text, pt in lines])
    cache = StageCache(base / "face-cache")
    attach_faces(document, cached_face_analysis(made.video, media_fingerprint(made.video), cache, lambda _: None))
    return document


@pytest.fixture(scope="session")
def cut_document(tmp_path_factory, media, spoken_segment):
    """d10 (left) speaks, then a cut at 4 s to d6 (right); FIRST's second line runs over the cut."""
    return documented("cut", media, tmp_path_factory.getbasetemp(), [
        (0.3, 2.5, "FIRST", "Good morning to all of you.", "Bom dia a todos vocês."),
        (3.0, 5.2, "FIRST", "This line runs over the cut.", "Esta linha passa o corte."),
        (5.4, 7.2, "SECOND", "Now it is my turn.", "Agora é a minha vez."),
    ], spoken_segment)


@pytest.fixture(scope="session")
def side_document(tmp_path_factory, media, spoken_segment):
    """Both faces on screen all the time; the two speak at once from 2.5 s to 3.8 s."""
    return documented("side-by-side", media, tmp_path_factory.getbasetemp(), [
        (0.3, 3.8, "LEFT", "I sing the first verse of the song.", "Eu canto o primeiro verso da canção."),
        (2.5, 7.5, "RIGHT", "And I answer with the second one.", "E eu respondo com o segundo."),
    ], spoken_segment)


def render(subs: pysubs2.SSAFile, folder: Path, seconds: float = 8.0) -> np.ndarray:
    """libass's pixels of ``subs`` on black, FPS frames a second (grey, [frames, height, width])."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "subs.ass").write_text(subs.to_string("ass"), encoding="utf-8")
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"color=c=black:s={SIZE[0]}x{SIZE[1]}:r=25:d={seconds}",
         "-vf", f"ass=subs.ass,fps={FPS}", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"],
        cwd=folder, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, SIZE[1], SIZE[0])


def ink(frames: np.ndarray, seconds: float) -> np.ndarray:
    return frames[round(seconds * FPS)] > 40


def centre_x(mask: np.ndarray) -> float:
    return float(np.nonzero(mask)[1].mean())


def faces_at(document: Document, seconds: float):
    """Face boxes found within a sampling step of ``seconds`` in the same shot."""
    analysis = FaceAnalysis.from_dict(document.faces)
    same_shot = lambda t: all((t - c) * (seconds - c) > 0 for c in analysis.scene_cuts)  # noqa: E731
    return [b for t in analysis.tracks for b in t.boxes if abs(b.time - seconds) <= 0.13 and same_shot(b.time)]


@pytest.fixture(scope="session")
def cut_frames(cut_document, tmp_path_factory):
    return render(build_ass(cut_document, AssOptions(language="pt"), SIZE), tmp_path_factory.mktemp("cut-live"))


def test_no_subtitle_pixel_falls_on_a_face_or_outside_the_title_safe_area(cut_document, side_document, cut_frames, tmp_path):
    side_frames = render(build_ass(side_document, AssOptions(language="pt"), SIZE), tmp_path)
    checked = 0
    for document, frames in ((cut_document, cut_frames), (side_document, side_frames)):
        for index in range(len(frames)):
            mask = frames[index] > 40
            safe = np.zeros_like(mask)
            safe[int(SIZE[1] * 0.05) - 2: int(SIZE[1] * 0.95) + 2, int(SIZE[0] * 0.05) - 2: int(SIZE[0] * 0.95) + 2] = True
            assert not (mask & ~safe).any(), f"subtitle pixels outside the title-safe area at {index / FPS:.2f} s"
            for box in faces_at(document, index / FPS):
                face = mask[int(box.y): int(box.y + box.h), int(box.x): int(box.x + box.w)]
                assert face.sum() == 0, f"subtitle pixels on a face at {index / FPS:.2f} s"
                checked += mask.sum() > 0
    assert checked > 40, "text was on screen while faces were"


def test_the_text_is_by_the_speaking_face_and_moves_at_the_cut(cut_document, cut_frames):
    first, second = (document_face(cut_document, who) for who in ("FIRST", "SECOND"))
    assert first.center_x < SIZE[0] / 2 < second.center_x
    before = ink(cut_frames, 1.5)
    assert before.sum() > 150 and abs(centre_x(before) - first.center_x) < 220
    assert centre_x(before) > first.x + first.w, "beside the head, towards the middle of the frame"
    at_cut, after_cut = ink(cut_frames, 3.75), ink(cut_frames, 4.5)
    assert at_cut.sum() > 150 and after_cut.sum() > 150
    rows_before, rows_after = np.nonzero(at_cut)[0], np.nonzero(after_cut)[0]
    assert rows_after.min() > rows_before.max() - 10 or abs(centre_x(after_cut) - centre_x(at_cut)) > 60, \
        "after the cut FIRST's face is gone: the line moves to the bottom"
    assert rows_after.min() > SIZE[1] * 0.6
    later = ink(cut_frames, 6.5)
    assert later.sum() > 150 and abs(centre_x(later[: int(SIZE[1] * 0.5)]) - second.center_x) < 120, \
        "SECOND's line sits above SECOND's face"


def test_the_sentence_turns_into_its_translation_in_place(cut_document):
    subs = build_ass(cut_document, AssOptions(language="pt"), SIZE)
    events = [e for e in subs if e.name == "SECOND"]
    typing = [e for e in events if r"\ko" in e.text]
    final = [e for e in events if "Agora é a minha vez." in e.text]
    decoding = [e for e in events if e not in typing and e not in final]
    assert typing and final and all("Agora" not in e.text for e in typing)
    assert typing[-1].end == decoding[0].start and decoding[-1].end == final[0].start
    assert len(decoding) >= 3 and all("Agora é a minha vez." not in e.text for e in decoding)
    typed = typing[-1]
    places = [tuple(map(int, re.search(r"\\(?:pos|move)\((\d+),(\d+)", e.text).groups())) for e in events]
    assert np.ptp(np.array(places), axis=0).max() < 30, "the same block, in the same place (following the face)"
    assert final[-1].end - typed.end >= 800, "the translation stays for its reading time"


def test_two_people_talking_at_once_get_two_blocks_apart(side_document, tmp_path):
    subs = build_ass(side_document, AssOptions(language="pt"), SIZE)
    masks = []
    for who in ("LEFT", "RIGHT"):
        own = pysubs2.SSAFile()
        own.info, own.styles = subs.info, subs.styles
        own.events = [e for e in subs if e.name == who]
        masks.append(ink(render(own, tmp_path / who), 3.0))
    assert masks[0].sum() > 150 and masks[1].sum() > 150
    assert not (masks[0] & masks[1]).any()
    left, right = (document_face(side_document, who) for who in ("LEFT", "RIGHT"))
    assert abs(centre_x(masks[0]) - left.center_x) < abs(centre_x(masks[0]) - right.center_x)


def test_font_is_readable_at_360p(cut_document):
    subs = build_ass(cut_document, AssOptions(language="pt"), SIZE)
    assert min(style.fontsize for style in subs.styles.values()) >= 0.045 * SIZE[1]


def document_face(document: Document, speaker: str):
    analysis = FaceAnalysis.from_dict(document.faces)
    person = analysis.person_of(speaker).person
    boxes = [b for t in analysis.tracks if t.person == person for b in t.boxes]
    return boxes[len(boxes) // 2]


def test_the_narrators_lines_go_to_the_bottom(tmp_path_factory, media, spoken_segment, tmp_path):
    document = documented("narrator", media, tmp_path_factory.getbasetemp(), [
        (0.5, 3.5, "NARRATOR", "Once upon a time there was a singer.", "Era uma vez uma cantora."),
    ], spoken_segment)
    assert document.faces["mapping"] == [] and len(document.faces["people"]) == 1
    mask = ink(render(build_ass(document, AssOptions(language="pt"), SIZE), tmp_path), 2.0)
    rows = np.nonzero(mask)[0]
    assert mask.sum() > 150 and rows.min() > SIZE[1] * 0.65, "at the bottom"
    assert abs(centre_x(mask) - SIZE[0] / 2) < 40, "in the classic place, bottom centre"
