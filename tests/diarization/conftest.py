"""Diarization fixtures: each real model run happens once per session."""

from __future__ import annotations

import pytest

from castscript.diarization import DiarizationOptions, diarize
from castscript.evaluation import DerSettings, annotation, load_rttm, score_der
from castscript.media import decode_audio
from castscript.synthetic import ANNA, BEN, CARL, Line, dialogue, write_rttm

THREE_VOICES = [
    Line(ANNA, "Welcome back everyone. Today we are planning the spring festival."),
    Line(BEN, "Thanks Anna. I spoke with the city council about the park permit yesterday."),
    Line(CARL, "Did they approve it, or do we need to send more documents?"),
    Line(BEN, "They approved it, but we must finish by ten in the evening."),
    Line(ANNA, "That is fine. Carl, can you handle the music and the stage?"),
    Line(CARL, "Yes, I already have two bands interested, and a friend with a sound system."),
    Line(ANNA, "Great. Ben, what about food stands and drinks?"),
    Line(BEN, "Five local restaurants want to join. I still need a coffee vendor."),
    Line(CARL, "My cousin runs a small coffee truck. I will ask him tonight."),
    Line(ANNA, "Perfect. Let's meet again next Tuesday to check our progress."),
]


def der(reference_rttm, turns, uri: str, collar: float = 0.5) -> float:
    reference = load_rttm(reference_rttm)[uri]
    return score_der(reference, annotation(turns, uri), DerSettings(collar=collar)).der


@pytest.fixture(scope="session")
def sample_audio(media):
    return decode_audio(media / "pyannote-sample/sample.wav")


@pytest.fixture(scope="session")
def sample_result(sample_audio):
    return diarize(sample_audio, DiarizationOptions(threads=2))


@pytest.fixture(scope="session")
def three_voices(tmp_path_factory):
    """A 46 s espeak-ng conversation of Anna, Ben and Carl, with its exact reference RTTM."""
    audio, turns = dialogue(THREE_VOICES)
    rttm = write_rttm(turns, tmp_path_factory.mktemp("three") / "three.rttm", "three")
    return audio, rttm
