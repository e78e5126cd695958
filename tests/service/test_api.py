"""Job API against a real embedded `castscript serve` (uvicorn, SQLite, local storage, in-process workers)."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

from castscript.service.store import hash_token
from castscript.service.webhooks import signature

from .servers import spawn, stop, wait_until


def test_job_runs_to_done_with_downloadable_outputs(alice, finished_job, embedded):
    assert finished_job["state"] == "done", finished_job
    names = {o["name"] for o in finished_job["outputs"]}
    assert names == {"jfk.srt", "jfk.vtt", "jfk.txt", "jfk.json"}

    srt = alice.get(f"/jobs/{finished_job['id']}/outputs/jfk.srt")
    assert srt.status_code == 200
    assert "ask not what your country can do for" in srt.text.replace("\n", " ")
    assert srt.headers["content-disposition"].startswith("attachment;")
    assert srt.headers["content-type"] == "application/x-subrip"
    assert srt.headers["x-content-type-options"] == "nosniff"

    transcript = alice.get(f"/jobs/{finished_job['id']}/transcript").json()
    words = [w["text"] for s in transcript["segments"] for w in s["words"]]
    assert transcript["language"] == "en" and "Americans," in words
    vtt = alice.get(f"/jobs/{finished_job['id']}/subtitles.vtt")
    assert vtt.text.startswith("WEBVTT") and vtt.headers["content-type"].startswith("text/vtt")

    media = alice.get(f"/jobs/{finished_job['id']}/media", headers={"Range": "bytes=0-99"})
    assert media.status_code == 206 and len(media.content) == 100
    assert media.headers["content-type"] == "audio/flac"
    assert finished_job["id"] in [job["id"] for job in alice.get("/jobs").json()]


def test_outputs_name_the_input_never_a_server_path(alice, jfk_upload, embedded):
    job = alice.wait(alice.submit(jfk_upload, formats=["json", "html", "srt", "txt"])["id"])
    assert job["state"] == "done", job
    data = embedded.env["CASTSCRIPT_DATA"]
    downloads = {o["name"]: alice.get(f"/jobs/{job['id']}/outputs/{o['name']}").content for o in job["outputs"]}
    downloads["transcript"] = alice.get(f"/jobs/{job['id']}/transcript").content
    archive = zipfile.ZipFile(io.BytesIO(alice.get(f"/jobs/{job['id']}/outputs.zip").content))
    downloads.update({f"zip:{name}": archive.read(name) for name in archive.namelist() if name != "jfk.flac"})
    assert len(downloads) == 9 and "jfk.flac" in archive.namelist()
    for name, content in downloads.items():
        text = content.decode()
        assert data not in text and str(Path(data).resolve()) not in text and "file://" not in text, name
    assert json.loads(downloads["jfk.json"])["media"]["path"] == "jfk.flac"
    assert '<source src="jfk.flac"' in downloads["jfk.html"].decode()


def test_running_job_reports_progress_and_cancel_stops_it(alice, long_audio, jfk_upload, embedded):
    job = alice.submit(alice.upload(long_audio))
    seen: list[tuple[str, int]] = []
    left: list[int | None] = []

    def transcription_advanced() -> bool:
        current = alice.job(job["id"])
        assert current["state"] in ("queued", "running"), current
        if current["state"] == "running":
            seen.append((current["stage"], current["percent"]))
            left.append(current["seconds_left"])
        return current["stage"] == "transcribe" and current["percent"] > 0

    wait_until(transcription_advanced, 90, "transcription progress", interval=0.05)
    stages = list(dict.fromkeys(stage for stage, _ in seen))
    assert stages[-1] == "transcribe" and set(stages) <= {"fetch", "probe", "decode", "transcribe"}, stages
    assert 0 < seen[-1][1] < 100
    # The whole job's time left: 5 min of audio still to transcribe (about 23 s on the reference machine), then
    # writing and storing the outputs; from the observed speed, so a loaded machine shows more.
    assert left[-1] is not None and 10 <= left[-1] <= 1800, left
    work = Path(embedded.env["CASTSCRIPT_DATA"]) / "work"
    assert [p for p in work.iterdir() if p.name.startswith(job["id"])]

    cancelled = alice.post(f"/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = alice.post(f"/jobs/{job['id']}/cancel")
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    # The pipeline stops at its next progress report (within one ASR batch) and removes its work folder,
    # well before it could have transcribed the rest of the file.
    wait_until(lambda: not [p for p in work.iterdir() if p.name.startswith(job["id"])], 60, "the job to stop")
    final = alice.job(job["id"])
    assert final["state"] == "cancelled" and final["outputs"] == []
    assert not (Path(embedded.env["CASTSCRIPT_DATA"]) / "files" / "jobs" / job["id"] / "outputs").exists()
    followers = [alice.submit(jfk_upload)["id"] for _ in range(2)]
    assert [alice.wait(j)["state"] for j in followers] == ["done", "done"]
    assert alice.job(followers[0])["seconds_left"] is None  # only while running


def test_owners_cannot_see_each_others_jobs(alice, bob, finished_job, jfk_upload):
    job_id = finished_job["id"]
    assert job_id not in [job["id"] for job in bob.get("/jobs").json()]
    for method, path in [("GET", f"/jobs/{job_id}"), ("GET", f"/jobs/{job_id}/outputs/jfk.srt"),
                         ("GET", f"/jobs/{job_id}/media"), ("GET", f"/jobs/{job_id}/transcript"),
                         ("GET", f"/jobs/{job_id}/subtitles.vtt"), ("POST", f"/jobs/{job_id}/cancel"),
                         ("PATCH", f"/jobs/{job_id}/speakers"), ("DELETE", f"/jobs/{job_id}"),
                         ("DELETE", f"/uploads/{jfk_upload}")]:
        response = bob.request(method, path, json={"names": {"SPEAKER_00": "Eve"}} if method == "PATCH" else None)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] == "not_found"
    stolen = bob.post("/jobs", json={"upload_id": jfk_upload, "options": {"diarize": False}})
    assert stolen.status_code == 404
    assert alice.job(job_id)["state"] == "done"


def test_tokens_are_required_hashed_and_revocable(embedded):
    with embedded.client(None) as anonymous:
        assert anonymous.get("/health").json()["status"] == "ok"
        for path in ("/jobs", "/me", "/jobs/x", "/jobs/x/outputs/a.srt"):
            response = anonymous.get(path)
            assert response.status_code == 401 and response.json()["error"] == "unauthorized"
            assert response.headers["www-authenticate"] == "Bearer"
        preflight = anonymous.options("/jobs", headers={"Origin": "https://elsewhere.example",
                                                        "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in preflight.headers  # CORS is off unless configured
    created = subprocess.run(["castscript", "tokens", "create", "--owner", "carol"], env=embedded.env, check=True,
                             capture_output=True, text=True).stdout.split()
    token_id, token = created[1], created[-1]
    with sqlite3.connect(Path(embedded.env["CASTSCRIPT_DATA"]) / "jobs.sqlite") as database:
        dump = "\n".join(database.iterdump())
    assert token not in dump and hash_token(token) in dump
    with embedded.client(token) as carol:
        assert carol.get("/me").json()["owner"] == "carol"
        subprocess.run(["castscript", "tokens", "revoke", token_id], env=embedded.env, check=True, capture_output=True)
        revoked = carol.get("/me")
        assert revoked.status_code == 401 and "revoked" in revoked.json()["message"]


def test_invalid_requests_get_readable_4xx(alice, jfk_upload):
    cases = [
        ({"upload_id": jfk_upload, "options": {"num_speakers": -2}}, 422, "num_speakers"),
        ({"upload_id": jfk_upload, "options": {"formats": ["srt", "docx"]}}, 422, "Unknown output format(s): docx"),
        ({"upload_id": jfk_upload, "options": {"min_speakers": 4, "max_speakers": 2}}, 422, "larger than"),
        ({"upload_id": jfk_upload, "options": {"language": "Klingon"}}, 422, "language"),
        ({"upload_id": jfk_upload, "options": {"colour": "red"}}, 422, "colour"),
        ({"upload_id": jfk_upload, "url": "https://example.org/a.mp4"}, 422, "exactly one"),
        ({"upload_id": "no-such-upload"}, 404, "No upload"),
    ]
    for body, status, fragment in cases:
        response = alice.post("/jobs", json=body)
        assert response.status_code == status, (body, response.text)
        error = response.json()
        assert fragment in error["message"] and error["error"], (body, error)
    not_multipart = alice.post("/uploads", content=b"abc", headers={"Content-Type": "application/octet-stream"})
    assert not_multipart.status_code == 400 and "multipart/form-data" in not_multipart.json()["message"]
    assert alice.get("/jobs/nope").status_code == 404
    assert "/jobs/{job_id}" in alice.get("/openapi.json").json()["paths"]


def test_idempotency_key_returns_the_first_job(alice, jfk_upload):
    headers = {"Idempotency-Key": "episode-42"}
    first = alice.post("/jobs", json={"upload_id": jfk_upload, "options": {"diarize": False}}, headers=headers)
    again = alice.post("/jobs", json={"upload_id": jfk_upload, "options": {"diarize": False}}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = alice.post("/jobs", json={"upload_id": jfk_upload, "options": {"diarize": False, "language": "en"}},
                       headers=headers)
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["message"]
    assert [j["id"] for j in alice.get("/jobs").json()].count(first.json()["id"]) == 1
    alice.wait(first.json()["id"])


def test_webhook_is_signed_and_retried(alice, jfk_upload, webhook_receiver):
    secret = "s3cret-webhook-key-123"
    job = alice.post("/jobs", json={"upload_id": jfk_upload, "options": {"diarize": False},
                                    "webhook_url": webhook_receiver.url, "webhook_secret": secret}).json()
    alice.wait(job["id"])
    deliveries = webhook_receiver.wait_for(2)
    assert [d.status for d in deliveries] == [500, 200]  # the first attempt failed and was retried
    body = deliveries[-1].body
    assert json.loads(body)["id"] == job["id"] and json.loads(body)["state"] == "done"
    headers = deliveries[-1].headers
    assert headers["x-castscript-signature"] == signature(secret, headers["x-castscript-timestamp"], body)


def test_delete_removes_job_and_files(alice, jfk, embedded):
    upload_id = alice.upload(jfk)
    job = alice.wait(alice.submit(upload_id)["id"])
    files = Path(embedded.env["CASTSCRIPT_DATA"]) / "files"
    assert (files / "jobs" / job["id"] / "outputs" / "jfk.srt").is_file()
    assert alice.delete(f"/jobs/{job['id']}").status_code == 204
    assert alice.get(f"/jobs/{job['id']}").status_code == 404
    assert not (files / "jobs" / job["id"]).exists()
    assert not (files / "uploads" / upload_id).exists()


def test_watch_folder_submits_new_files(alice, jfk, embedded, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "old.flac").write_bytes(jfk.read_bytes())
    token = alice.headers["authorization"].split()[1]
    watcher = spawn(["castscript", "watch", str(inbox), "--server", embedded.url, "--token", token,
                     "--interval", "0.3", "--no-diarize", "--formats", "txt"], embedded.env, tmp_path / "watch.log")
    try:
        wait_until(lambda: "already" in (tmp_path / "watch.log").read_text(), 15, "the watcher to start")
        shutil.copy(jfk, inbox / "arrived.flac")
        job = wait_until(lambda: next((j for j in alice.get("/jobs").json() if j["input_name"] == "arrived.flac"), None),
                         20, "the watcher to submit arrived.flac")
        assert job["options"]["formats"] == ["txt"]
        done = alice.wait(job["id"])
        assert [o["name"] for o in done["outputs"]] == ["arrived.txt"]
        assert not [j for j in alice.get("/jobs").json() if j["input_name"] == "old.flac"]
        assert (tmp_path / "watch.log").read_text().count("submitted arrived.flac") == 1
    finally:
        stop(watcher)
