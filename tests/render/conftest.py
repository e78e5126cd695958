"""A talking-heads clip (Anna's face left, Ben's right) with a scripted transcript, its Portuguese translation and
its real face analysis, for the subtitle builder and the burn-in tests."""

from __future__ import annotations

import pytest

from castscript.cache import StageCache
from castscript.document import Document, Segment, Speaker, SpeakerTurn, Word
from castscript.faces import attach_faces, cached_face_analysis
from castscript.faces.synthetic import make_clip
from castscript.media import probe

PORTUGUESE = [
    "Bom dia. Você leu o roteiro do novo episódio?",
    "Sim, li ontem à noite. A segunda cena é muito engraçada.",
    "Concordo. Devemos gravá-la esta tarde.",
    "Perfeito. Vou ligar para o estúdio e reservar uma sala para as três horas.",
]


def spoken(turn: SpeakerTurn, text: str, translation: str | None = None, language: str = "pt") -> Segment:
    """A segment of ``text`` over ``turn`` with its words evenly spread (a stand-in for ASR word timestamps)."""
    words = text.split()
    step = (turn.end - turn.start) / len(words)
    timed = [Word(turn.start + i * step, turn.start + (i + 1) * step, w, speaker=turn.speaker) for i, w in enumerate(words)]
    return Segment(turn.start, turn.end, text, timed, speaker=turn.speaker,
                   translations={language: translation} if translation else {})


@pytest.fixture(scope="session")
def spoken_segment():
    return spoken


@pytest.fixture(scope="session")
def clip(tmp_path_factory, media):
    return make_clip(tmp_path_factory.mktemp("render"), {"Anna": media / "faces/obama.jpg", "Ben": media / "faces/biden.jpg"})


@pytest.fixture(scope="session")
def clip_document(clip) -> Document:
    document = Document(
        media=probe(clip.video),
        segments=[spoken(t, line.text, pt) for t, line, pt in zip(clip.turns, clip.lines, PORTUGUESE)],
        speakers={"Anna": Speaker("Anna"), "Ben": Speaker("Ben")},
        turns=list(clip.turns),
        translation_languages=["pt"],
    )
    attach_faces(document, cached_face_analysis(clip.video, "render-clip", StageCache(enabled=False), lambda _: None))
    assert {m["speaker"] for m in document.faces["mapping"]} == {"Anna", "Ben"}
    return document
