"""One job run in-process (service.jobs.run_job, no server): its media is probed once, for the time-left estimate and
the pipeline together, and the job still reports the probe stage."""

from __future__ import annotations

import time

import castscript.media
import castscript.pipeline
import castscript.service.jobs
from castscript.service.config import ServiceConfig
from castscript.service.jobs import Services, run_job
from castscript.service.schemas import JobOptions
from castscript.service.store import DONE, QUEUED, JobRow, Store, new_id


def test_a_job_probes_its_media_once(tmp_path, media, monkeypatch):
    services = Services.open(ServiceConfig(data_dir=tmp_path))
    jfk = media / "faster-whisper" / "jfk.flac"
    job_id = new_id()
    services.storage.put_file(f"jobs/{job_id}/input/jfk.flac", jfk)
    services.store.add_job(JobRow(id=job_id, owner="dora", state=QUEUED, input_name="jfk.flac",
                                  input_key=f"jobs/{job_id}/input/jfk.flac", created_at=time.time(),
                                  options=JobOptions(diarize=False, formats=["srt"]).model_dump()))
    probed, real_probe = [], castscript.media.probe

    def counting_probe(path, *args, **kwargs):
        probed.append(path)
        return real_probe(path, *args, **kwargs)

    for module in (castscript.media, castscript.pipeline, castscript.service.jobs):
        monkeypatch.setattr(module, "probe", counting_probe)
    stages, real_transition = [], Store.transition

    def recording_transition(store, job, states, **values):
        if values.get("stage") is not None:
            stages.append((values["stage"], values.get("expected_end")))
        return real_transition(store, job, states, **values)

    monkeypatch.setattr(Store, "transition", recording_transition)

    run_job(job_id, services)
    row = services.store.job_by_id(job_id)
    assert row.state == DONE, row.error
    assert row.outputs == ["jfk.srt"]
    assert len(probed) == 1, probed
    names = list(dict.fromkeys(name for name, _ in stages))
    assert names[:3] == ["fetch", "probe", "decode"] and names[-1] == "store", names
    assert all(end is not None for name, end in stages if name not in ("fetch", "probe"))  # the estimate was made
