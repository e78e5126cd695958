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

from .servers import Server, create_token, service_env, wait_until


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
    old_words, new_words = before["segments"][0]["words"], after["segments"][0]["words"]
    assert [w["text"] for w in new_words] == text.split()  # the retyped line is aligned on the audio again
    assert abs(new_words[3]["start"] - old_words[3]["start"]) < 0.3  # "dear" where "fellow" was said
    assert max(abs(a["end"] - b["end"]) for a, b in zip(old_words[4:], new_words[4:])) < 0.5
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




def test_revisions_in_s3_storage_are_never_overwritten(tmp_path, monkeypatch):
    """The same revision code on S3-compatible storage (moto's server): one object per revision, none replaced, and
    a second editor on the same base gets the conflict."""
    import boto3
    from moto.server import ThreadedMotoServer

    from castscript.document import Document, MediaInfo, Segment, Word
    from castscript.operations import parse_operations
    from castscript.service import revisions
    from castscript.service.config import ServiceConfig
    from castscript.service.jobs import Services, document_key
    from castscript.service.schemas import JobOptions
    from castscript.service.store import DONE, JobRow

    from .servers import free_port

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    try:
        for name, value in {"AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
                            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(name, value)
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="studio")
        services = Services.open(ServiceConfig(data_dir=tmp_path, storage="s3://studio/cs"))
        words = [Word(0.5 * i, 0.5 * i + 0.4, t) for i, t in enumerate("Good morning to you all.".split())]
        document = Document(MediaInfo("talk.wav", 3.0), "en", segments=[Segment(0.0, 2.4, "Good morning to you all.", words)])
        services.storage.write_bytes(document_key("j1"), json.dumps(document.to_dict()).encode())
        row = JobRow(id="j1", owner="olga", state=DONE, options=JobOptions(diarize=False, formats=["srt", "json"]).model_dump(),
                     outputs=["talk.srt", "talk.json"], input_name="talk.wav", created_at=0.0, finished_at=1.0)
        services.store.add_job(row)

        def set_text(base: int, text: str) -> int:
            return revisions.edit(services, row, base, parse_operations([{"op": "set_text", "segment": 0, "text": text}]), "olga")

        assert set_text(0, "Good evening to you all.") == 1
        assert set_text(1, "Good night to you all.") == 2
        with pytest.raises(revisions.RevisionConflict) as stale:
            set_text(1, "Hello to you all.")
        assert stale.value.revision == 2
        assert revisions.restore(services, row, 1, "olga", base=2) == 3
        listed = s3.list_objects_v2(Bucket="studio", Prefix="cs/jobs/j1/revisions/")["Contents"]
        assert len(listed) == 4  # revisions 0-3, each its own object
        texts = [revisions.document_at(services, row, n).segments[0].text for n in range(4)]
        assert texts == ["Good morning to you all.", "Good evening to you all.", "Good night to you all.",
                         "Good evening to you all."]
        srt = s3.get_object(Bucket="studio", Key="cs/jobs/j1/outputs/talk.srt")["Body"].read().decode()
        assert "Good evening to you all." in srt
    finally:
        moto.stop()


def test_an_edit_re_renders_the_burned_video_in_the_background(alice, media, tmp_path):
    """d12.mp4 (7.3 s, one talking head) burned by the service; an edited line answers at once, the job view shows
    the video being re-rendered, then current with the new text burned in where the line is shown."""
    from tests.cli.test_edit_reburn import changed_pixels, frame

    job = alice.submit(alice.upload(media / "talking-heads" / "d12.mp4"), burn=True, formats=["json", "srt"])
    done = alice.wait(job["id"], timeout=180)
    assert done["state"] == "done" and done["video"] == {"state": "current", "revision": 0, "wanted": None,
                                                           "percent": None, "error": None}, done
    before = tmp_path / "before.mp4"
    before.write_bytes(alice.get(f"/jobs/{job['id']}/outputs/d12.castscript.mp4").content)

    assert edit(alice, job["id"], 0, {"op": "set_text", "segment": 0, "text": "ZEBRA QUARTZ"}) == {"revision": 1}
    assert alice.job(job["id"])["video"]["state"] == "rendering"  # the edit did not wait for the video
    assert "ZEBRA QUARTZ" in alice.get(f"/jobs/{job['id']}/outputs/d12.srt").text  # text outputs: already new
    video = wait_until(lambda: (v := alice.job(job["id"])["video"])["state"] != "rendering" and v, 120,
                       "the video to be re-rendered", interval=0.3)
    assert video["state"] == "current" and video["revision"] == 1, video
    assert [r["summary"] for r in alice.get(f"/jobs/{job['id']}/revisions").json()] == ["transcribed", "line 0: text"]

    ass = pysubs2.SSAFile.from_string(alice.get(f"/jobs/{job['id']}/outputs/d12.castscript.ass").text)
    shown = max((e for e in ass if "QUARTZ" in e.plaintext), key=lambda e: e.end)
    after = tmp_path / "after.mp4"
    after.write_bytes(alice.get(f"/jobs/{job['id']}/outputs/d12.castscript.mp4").content)
    during = (shown.start + shown.end) / 2000
    assert changed_pixels(frame(before, during), frame(after, during)) > 300
    assert changed_pixels(frame(before, 6.5), frame(after, 6.5)) < 30
