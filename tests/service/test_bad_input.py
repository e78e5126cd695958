"""The bad-input matrix through the HTTP API: a JSON 4xx naming the client's file (never a server path, never a 500),
nothing kept in storage, and awkward but valid media transcribed."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

REFUSED_AT_UPLOAD = [
    ("empty", 415, "not_media", "Input file is empty"),
    ("text-as-mp4", 415, "not_media", "holds text, not audio or video"),
    ("16-byte-text-as-flac", 415, "not_media", "holds text, not audio or video"),
    ("unknown-binary-format", 415, "not_media", "Not a media file (ffmpeg cannot read it)"),
    ("truncated-mp4", 422, "corrupt_media", "probably truncated"),
    ("flac-header-only", 422, "corrupt_media", "it is truncated"),
    ("video-without-audio", 422, "no_audio_stream", "No audio stream"),
    ("bomb-declared-100h", 413, "media_too_long", "lasts 100.0 h, more than the limit of 12.0 h"),
]
FAILED_IN_THE_JOB = [
    ("wav-without-samples", "corrupt_media", "No audio could be decoded"),
    ("truncated-faststart-mp4", "corrupt_media", "is truncated"),
    ("truncated-mp3", "corrupt_media", "is truncated"),
]


def stored_files(embedded) -> set[Path]:
    return {path for path in (Path(embedded.env["CASTSCRIPT_DATA"]) / "files").rglob("*") if path.is_file()}


def assert_error_body(body: dict, code: str, fragment: str, name: str) -> None:
    assert body["error"] == code and fragment in body["message"] and body["hint"], body
    assert name in body["message"] and not re.search(r"/(tmp|root|uploads|jobs|work)/", body["message"]), body


@pytest.mark.parametrize("name, status, code, fragment", REFUSED_AT_UPLOAD, ids=[c[0] for c in REFUSED_AT_UPLOAD])
def test_unusable_upload_is_refused_and_not_kept(alice, embedded, bad_media, robustness, name, status, code, fragment):
    robustness.bad_input("api upload", name)
    before = stored_files(embedded)
    path = bad_media[name]
    response = alice.post("/uploads", files={"file": (path.name, path.read_bytes())})
    assert response.status_code == status, response.text
    assert_error_body(response.json(), code, fragment, path.name)
    assert stored_files(embedded) == before


@pytest.mark.parametrize("name, code, fragment", FAILED_IN_THE_JOB, ids=[c[0] for c in FAILED_IN_THE_JOB])
def test_media_broken_past_its_header_fails_the_job_with_the_reason(alice, bad_media, robustness, name, code, fragment):
    robustness.bad_input("api job", name)
    path = bad_media[name]
    job = alice.wait(alice.submit(alice.upload(path))["id"])
    assert job["state"] == "failed" and job["outputs"] == [], job
    assert_error_body(job["error"], code, fragment, path.name)


@pytest.mark.parametrize("name", ["0.1s-audio", "6h-silence", "8ch-96khz", "vfr-video", "8192x8192-video"])
def test_awkward_but_valid_media_finishes(alice, bad_media, robustness, name):
    robustness.bad_input("api job", name)
    started = time.monotonic()
    job = alice.wait(alice.submit(alice.upload(bad_media[name]), formats=["txt"])["id"], timeout=120)
    assert job["state"] == "done", job
    text = alice.get(job["outputs"][0]["url"]).text
    silent = name in ("0.1s-audio", "6h-silence")
    assert (text == "") if silent else ("ask not what your country can do for you" in text), text
    print(f"{name}: done in {time.monotonic() - started:.1f} s")


def test_hostile_file_name_is_confined_to_the_upload_folder(alice, embedded, jfk, robustness):
    robustness.bad_input("api upload", "file name with ../, unicode, spaces and shell characters")
    upload = alice.post("/uploads", files={"file": ("../../../etc/ünïcode name?.flac", jfk.read_bytes())}).json()
    assert upload["name"] == "ünïcode name.flac"
    stored = Path(embedded.env["CASTSCRIPT_DATA"]) / "files" / "uploads" / upload["id"] / "ünïcode name.flac"
    assert stored.read_bytes() == jfk.read_bytes()
    job = alice.wait(alice.submit(upload["id"], formats=["srt"])["id"])
    assert [o["name"] for o in job["outputs"]] == ["ünïcode name.srt"]
    download = alice.get(job["outputs"][0]["url"])
    assert "filename*=UTF-8''%C3%BCn%C3%AFcode%20name.srt" in download.headers["content-disposition"]


WRONG_OPTIONS = [
    ({"num_speakers": -2}, "num_speakers: Input should be greater than 0"),
    ({"min_speakers": 4, "max_speakers": 2}, "larger than --max-speakers"),
    ({"language": "xx"}, "Unknown language 'xx'"),
    ({"translate_to": ["pt", "xx"]}, "Unknown translation target language(s): xx"),
    ({"formats": ["srt", "docx"]}, "Unknown output format(s): docx"),
    ({"task": "summarise"}, "task: Input should be 'transcribe' or 'translate'"),
    ({"model": "../../models/evil"}, "model: String should match pattern"),
]


@pytest.mark.parametrize("options, fragment", WRONG_OPTIONS, ids=[str(case[0]) for case in WRONG_OPTIONS])
def test_wrong_option_values_get_422_naming_the_problem(alice, jfk_upload, robustness, options, fragment):
    robustness.bad_input("api options", str(options))
    response = alice.post("/jobs", json={"upload_id": jfk_upload, "options": options})
    assert response.status_code == 422, response.text
    body = response.json()
    assert fragment in body["message"], body
    if "language" in fragment:
        assert "af, am, ar" in body["hint"]


EVERY_OPTION_WRONG = [
    {"multilingual": "maybe"}, {"min_speakers": -1}, {"max_speakers": 0}, {"speaker_names": {"A": " "}},
    {"identify": True, "diarize": False}, {"translator": "babel"}, {"translator": "openai:"},
    {"translator": "whisper", "translate_to": ["pt"]}, {"burn": "x"}, {"faces": "x"}, {"style": "fancy"},
    {"font_size": 0}, {"max_lines": 0}, {"max_lines": 9}, {"formats": []}, {"bilingual": "x"},
    {"speaker_labels": "x"}, {"max_line_chars": 5}, {"max_cue_lines": 0}, {"max_cps": 0}, {"max_cps": -3},
    {"min_cue_duration": 0}, {"max_cue_duration": -1}, {"min_cue_duration": 8, "max_cue_duration": 2},
    {"subtitle_profile": "nope"}, {"fps": 0}, {"start_timecode": "1 o'clock"}, {"use_cache": "x"}, {"nope": 1},
]


@pytest.mark.parametrize("options", EVERY_OPTION_WRONG, ids=[str(case) for case in EVERY_OPTION_WRONG])
def test_every_job_option_is_checked_before_queueing(alice, jfk_upload, robustness, options):
    robustness.bad_input("api options", str(options))
    before = len(alice.get("/jobs").json())
    response = alice.post("/jobs", json={"upload_id": jfk_upload, "options": options})
    assert response.status_code == 422, response.text
    assert response.json()["error"] and "Traceback" not in response.text
    assert len(alice.get("/jobs").json()) == before  # nothing queued


def test_malformed_requests_get_json_4xx(alice, robustness):
    for what, request in [("not JSON", {"content": b"{oops", "headers": {"Content-Type": "application/json"}}),
                          ("JSON of the wrong shape", {"json": ["upload_id"]}),
                          ("no input", {"json": {"options": {}}})]:
        robustness.bad_input("api request", what)
        response = alice.post("/jobs", **request)
        assert response.status_code == 422 and response.json()["error"] == "invalid_request", (what, response.text)
