"""Fuzzing every text format castscript reads back (diarization JSON, transcript JSON, RTTM, UEM, STM): arbitrary
content parses or gets a CastscriptError naming the file, never another exception; bounded by max_examples."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from castscript.editing import load_transcript
from castscript.core.errors import CastscriptError
from castscript.evaluation import load_rttm, load_stm, load_uem
from castscript.subtitles.speaker_formats import read_diarization_json

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KEYS = ["segments", "speakers", "embeddings", "start", "stop", "end", "speaker", "words", "text", "media", "path",
        "duration", "labels", "turns", "language"]
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.sampled_from(["0:00:01.5", "SPEAKER_00", "", "1:2:3", "99:99:99.9", "en"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner,
                                                                                            max_size=5), max_leaves=25)
FIELDS = st.sampled_from(["SPEAKER", "f", "1", "0.5", "-3", "nan", "inf", "1e309", "x", "<NA>", ";;", "\t"])
LINES = st.lists(st.lists(FIELDS, max_size=12).map(" ".join) | st.text(max_size=40), max_size=6).map("\n".join)


def parses_or_explains(parse, *args) -> None:
    try:
        parse(*args)
    except CastscriptError as exc:
        assert exc.message


@FUZZ
@given(data=JSON | st.text(max_size=200).map(json.dumps))
def test_diarization_json(data):
    parses_or_explains(read_diarization_json, json.dumps(data))


@FUZZ
@given(data=JSON, raw=st.text(max_size=100))
def test_transcript_json(tmp_path, data, raw):
    path = tmp_path / "transcript.json"
    for content in (json.dumps(data), raw):
        path.write_text(content)
        parses_or_explains(load_transcript, path)


@FUZZ
@given(text=LINES)
def test_rttm_uem_stm(tmp_path, text):
    path = tmp_path / "reference.txt"
    path.write_text(text)
    for load in (load_rttm, load_uem, load_stm):
        parses_or_explains(load, path)
