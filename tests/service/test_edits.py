"""The edits API on a real embedded server: every operation, 409 on a stale base, revisions listed, restored and
kept across a server restart, outputs re-written (and re-translated) after each edit, one zip with everything."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import zipfile
from pathlib import Path

import pysubs2
import pytest

from .servers import Server, create_token, service_env


@pytest.fixture(scope="module")
def pt_job(alice, jfk_upload) -> dict:
    """jfk.flac, diarized (one speaker), translated into Portuguese, with SRT, JSON and the HTML transcript."""
    job = alice.submit(jfk_upload, diarize=True, num_speakers=1, translate_to=["pt"], formats=["srt", "json", "html"])
    done = alice.wait(job["id"], timeout=180)
    assert done["state"] == "done", done
    return done


def edit(client, job_id: str, base: int, *operations: dict, status: int = 200) -> dict:
    response = client.post(f"/jobs/{job_id}/edits", json={"base_revision": base, "operations": list(operations)})
    assert response.status_code == status, response.text
    return response.json()


def srt(client, job_id: str, name: str) -> list[pysubs2.SSAEvent]:
    return list(pysubs2.SSAFile.from_string(client.get(f"/jobs/{job_id}/outputs/{name}").text))


def test_every_operation_rewrites_the_outputs(alice, pt_job):
    job = pt_job["id"]
    before = alice.get(f"/jobs/{job}/transcript").json()
    assert before["revision"] == 0 and len(before["segments"]) == 1
    words = [w["text"] for w in before["segments"][0]["words"]]
    original_pt = before["segments"][0]["translations"]["pt"]
    assert words[:4] == ["And", "so", "my", "fellow"]

    text = " ".join(["And", "so", "my", "dear", *words[4:]])
    assert edit(alice, job, 0, {"op": "set_text", "segment": 0, "text": text}) == {"revision": 1}
    after = alice.get(f"/jobs/{job}/transcript").json()
    assert after["revision"] == 1 and after["segments"][0]["text"] == text
    assert after["segments"][0]["translations"]["pt"] not in ("", original_pt)  # re-translated
    assert [w["start"] for w in after["segments"][0]["words"]][4:] == [w["start"] for w in before["segments"][0]["words"]][4:]
    assert "dear" in " ".join(e.plaintext for e in srt(alice, job, "jfk.srt"))
    assert after["segments"][0]["translations"]["pt"].split()[0] in srt(alice, job, "jfk.pt.srt")[0].plaintext

    comma = next(i for i, w in enumerate(words) if w.endswith(",") and i > 3) + 1  # "Americans," | "ask not ..."
    assert edit(alice, job, 1, {"op": "split", "segment": 0, "word": comma},
                {"op": "set_speaker", "segment": 1, "speaker": "Narrator"},
                {"op": "set_translation", "segment": 0, "language": "pt", "text": "E assim, meus caros americanos,"}
                ) == {"revision": 2}
    doc = alice.get(f"/jobs/{job}/transcript").json()
    first, second = doc["segments"]
    assert first["text"].endswith("Americans,") and second["text"].startswith("ask not")
    assert first["translations"]["pt"] == "E assim, meus caros americanos," and first["translation_edited"] == ["pt"]
    assert second["translations"]["pt"] and second["translation_edited"] == []
    narrator = second["speaker"]
    assert doc["speakers"][narrator]["name"] == "Narrator" and narrator != first["speaker"]
    assert "dear Americans," in " ".join(e.plaintext for e in srt(alice, job, "jfk.srt"))
    assert "Narrator" in alice.get(f"/jobs/{job}/outputs/jfk.html").text
    saved = alice.get(f"/jobs/{job}/outputs/jfk.json").json()
    assert [s["text"] for s in saved["segments"]] == [first["text"], second["text"]]

    edit(alice, job, 2, {"op": "set_text", "segment": 0, "text": "And so, my dear Americans,"},
         {"op": "set_times", "segment": 1, "start": 3.5, "end": 10.5})
    doc = alice.get(f"/jobs/{job}/transcript").json()
    assert doc["segments"][0]["translations"]["pt"] == "E assim, meus caros americanos,"  # hand-written: kept
    assert doc["segments"][1]["start"] == 3.5 and doc["segments"][1]["end"] == 10.5
    assert abs(min(e.start for e in srt(alice, job, "jfk.srt") if "ask not" in e.plaintext) - 3500) <= 40  # a frame

    edit(alice, job, 3, {"op": "rename_speaker", "speaker": narrator, "name": "Voice"},
         {"op": "merge_speakers", "speakers": ["Voice"], "into": first["speaker"]},
         {"op": "merge", "segment": 0})
    doc = alice.get(f"/jobs/{job}/transcript").json()
    assert len(doc["segments"]) == 1 and list(doc["speakers"]) == [first["speaker"]]
    assert doc["segments"][0]["text"].startswith("And so, my dear Americans, ask not")
    assert doc["segments"][0]["translations"]["pt"].startswith("E assim, meus caros americanos,")
    assert doc["revision"] == 4

    bad = alice.post(f"/jobs/{job}/edits", json={"base_revision": 4, "operations": [{"op": "split", "segment": 5, "word": 1}]})
    assert bad.status_code == 422 and "There is no line 5" in bad.json()["message"]
    assert alice.get(f"/jobs/{job}/transcript").json()["revision"] == 4  # a refused list records nothing


def test_a_stale_base_revision_gets_409_with_the_current_one(alice, bob, pt_job):
    job = pt_job["id"]
    current = alice.get(f"/jobs/{job}/transcript").json()["revision"]
    edit(alice, job, current, {"op": "rename_speaker", "speaker": "SPEAKER_00", "name": "JFK"})
    stale = edit(alice, job, current, {"op": "rename_speaker", "speaker": "SPEAKER_00", "name": "Kennedy"}, status=409)
    assert stale["error"] == "conflict" and stale["revision"] == current + 1
    assert "Reload" in stale["hint"]
    assert bob.post(f"/jobs/{job}/edits", json={"base_revision": 0, "operations": [{"op": "merge", "segment": 0}]}
                    ).status_code == 404


def test_outputs_zip_holds_every_output_and_the_media(alice, pt_job, embedded, jfk):
    job = pt_job["id"]
    response = alice.get(f"/jobs/{job}/outputs.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert names == {o["name"] for o in pt_job["outputs"]} | {"jfk.flac"}
    assert archive.read("jfk.flac") == jfk.read_bytes()
    assert 'src="jfk.flac"' in archive.read("jfk.html").decode()  # the page plays the media beside it
    stored = Path(embedded.env["CASTSCRIPT_DATA"]) / "files" / "jobs" / job / "outputs"
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in stored.iterdir() if not p.name.startswith(".")}
    assert set(modes.values()) == {0o666 & ~_umask()}, modes  # 0644, as any file the user writes


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_languages_and_peaks(alice, pt_job):
    languages = alice.get("/languages").json()
    assert {"source": "en", "target": "pt"} in languages["pairs"] and "pt" in languages["targets_by_source"]["en"]
    assert "en" in languages["spoken"] and "pt" in languages["targets"]
    peaks = alice.get(f"/jobs/{pt_job['id']}/peaks").json()
    assert abs(peaks["duration"] - 11.0) < 0.1
    assert len(peaks["peaks"]) == int(peaks["duration"] * peaks["per_second"])
    assert max(peaks["peaks"]) == 1.0 and min(peaks["peaks"]) >= 0.0
    me = alice.get("/me").json()
    assert me["format_descriptions"]["srt"] and me["stage_labels"]["transcribe"] == "Transcribing"


def test_no_revision_is_lost_across_a_restart(tmp_path, jfk, robustness):
    server = Server(service_env(tmp_path), ["--workers", "1"]).start()
    try:
        with server.client(create_token(server.env, "rita")) as rita:
            job = rita.wait(rita.submit(rita.upload(jfk))["id"])["id"]
            texts = ["And so, my fellow Americans.", "Ask not.", "Ask what you can do."]
            for number, text in enumerate(texts):
                edit(rita, job, number, {"op": "set_text", "segment": 0, "text": text})
            server.stop(signal.SIGKILL)
            robustness.fault("SIGKILL of the embedded server after three edits")
            server.start()
            listed = rita.get(f"/jobs/{job}/revisions").json()
            assert [r["number"] for r in listed] == [0, 1, 2, 3]
            assert [r["who"] for r in listed] == ["castscript", "rita", "rita", "rita"]
            assert listed[1]["summary"] == "line 0: text" and listed[0]["summary"] == "transcribed"
            for number, text in enumerate(texts, start=1):
                assert rita.get(f"/jobs/{job}/revisions/{number}").json()["segments"][0]["text"] == text
            assert rita.post(f"/jobs/{job}/revisions/1/restore").json() == {"revision": 4}
            assert rita.get(f"/jobs/{job}/transcript").json()["segments"][0]["text"] == texts[0]
            assert "And so, my fellow Americans." in rita.get(f"/jobs/{job}/outputs/jfk.txt").text
            listed = rita.get(f"/jobs/{job}/revisions").json()
            assert [r["summary"] for r in listed][-1] == "restored revision 1" and len(listed) == 5
            assert rita.get(f"/jobs/{job}/revisions/3").json()["segments"][0]["text"] == texts[2]
            assert rita.post(f"/jobs/{job}/revisions/9/restore").status_code == 404
    finally:
        server.stop()


