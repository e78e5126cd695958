"""Fuzzing the media probe and decoder: arbitrary bytes never crash, they get a CastscriptError or decode."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from castscript.errors import CastscriptError
from castscript.media import decode_audio, probe

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def seed(media):
    return (media / "faster-whisper/jfk.flac").read_bytes()[:20000]


@FUZZ
@given(data=st.binary(min_size=1, max_size=4096), suffix=st.sampled_from([".mp4", ".wav", ".mp3", ".mkv", ".bin"]))
def test_random_bytes(tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        probe(path)
        decode_audio(path)
    except CastscriptError:
        pass


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, 19999), st.integers(0, 255)), min_size=1, max_size=40),
       cut=st.integers(100, 20000))
def test_mutated_flac(tmp_path, seed, flips, cut):
    data = bytearray(seed[:cut])
    for position, value in flips:
        if position < len(data):
            data[position] = value
    path = tmp_path / "mutated.flac"
    path.write_bytes(bytes(data))
    try:
        audio = decode_audio(path)
        assert audio.ndim == 1
    except CastscriptError:
        pass
