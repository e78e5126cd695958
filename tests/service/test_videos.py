"""The background re-render of a burned video (service.videos), without a server: a render a stopped server left
unfinished is resumed on start, and a failing one is shown on the job instead of retried forever."""

from __future__ import annotations

import json
import time

import pysubs2

from castscript.document import Document, Segment, Word
from castscript.media import probe
from castscript.service import videos
from castscript.service.config import ServiceConfig
from castscript.service.jobs import Services, output_key
from castscript.service.schemas import JobOptions, JobView
from castscript.service.store import DONE, JobRow, RevisionRow, new_id


def burned_job(services: Services, media, text: str) -> JobRow:
    """A done burn job of d12.mp4 whose revision 1 says ``text``, its video still showing revision 0."""
    job_id = new_id()
    input_key = f"jobs/{job_id}/input/d12.mp4"
    services.storage.put_file(input_key, media / "talking-heads" / "d12.mp4")
    outputs = ["d12.json", "d12.castscript.mp4", "d12.castscript.ass"]
    for name in outputs:
        services.storage.write_bytes(output_key(job_id, name), b"revision 0")
    row = services.store.add_job(JobRow(
        id=job_id, owner="carol", state=DONE, options=JobOptions(burn=True, diarize=False).model_dump(),
        input_key=input_key, input_name="d12.mp4", outputs=outputs, created_at=time.time(), finished_at=time.time()))
    words = [Word(0.5 + 0.5 * i, 0.9 + 0.5 * i, token, 1.0) for i, token in enumerate(text.split())]
    segment = Segment(words[0].start, words[-1].end, text, words)
    document = Document(probe(media / "talking-heads" / "d12.mp4"), "en", segments=[segment])
    key = f"jobs/{job_id}/revisions/000001.json"
    services.storage.write_bytes(key, json.dumps(document.to_dict()).encode())
    services.store.add_revision(RevisionRow(job_id=job_id, number=1, key=key, who="carol", summary="line 0: text",
                                            created_at=time.time()))
    services.store.want_video(job_id, 1)
    return row


def test_unfinished_render_resumes_and_failures_are_shown(tmp_path, media):
    services = Services.open(ServiceConfig(data_dir=tmp_path))
    row = burned_job(services, media, "ZEBRA QUARTZ")
    assert JobView.of(row, services.store.video(row.id)).video.state == "rendering"

    videos.resume(services)  # what a server does on start
    videos.wait(row.id, timeout=120)
    video = services.store.video(row.id)
    assert (video.rendered, video.wanted, video.error) == (1, 1, None)
    ass = pysubs2.SSAFile.from_string(services.storage.read_bytes(output_key(row.id, "d12.castscript.ass")).decode())
    assert any("QUARTZ" in event.plaintext for event in ass)
    stored = services.storage.read_bytes(output_key(row.id, "d12.castscript.mp4"))
    assert stored[4:8] == b"ftyp" and len(stored) > 10_000
    assert JobView.of(row, video).video.model_dump() == {"state": "current", "revision": 1, "wanted": None,
                                                         "percent": None, "error": None}

    broken = burned_job(services, media, "Hello")
    services.storage.delete(broken.input_key)
    videos.schedule(services, broken, 1)
    videos.wait(broken.id, timeout=60)
    view = JobView.of(broken, services.store.video(broken.id)).video
    assert view.state == "failed" and view.revision == 0 and "Re-rendering the burned video failed" in view.error
    assert services.store.stale_videos() == []  # not retried on every start
