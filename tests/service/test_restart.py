"""A killed and restarted embedded server keeps finished jobs and runs the queued ones; per-token job limit."""

from __future__ import annotations

import signal

from .servers import Server, create_token, service_env


def test_restart_keeps_queued_and_finished_jobs(tmp_path, jfk, robustness):
    server = Server(service_env(tmp_path), ["--workers", "1", "--max-active-jobs", "3"]).start()
    try:
        with server.client(create_token(server.env, "erin")) as erin:
            upload = erin.upload(jfk)
            finished = erin.wait(erin.submit(upload)["id"])
            assert finished["state"] == "done"
            # Uncached, so the first one is still running when the fourth job asks to be queued.
            pending = [erin.submit(upload, use_cache=False)["id"] for _ in range(3)]
            over = erin.post("/jobs", json={"upload_id": upload, "options": {"diarize": False}})
            assert over.status_code == 429 and over.json()["error"] == "too_many_jobs"
            assert {erin.job(j)["state"] for j in pending} <= {"queued", "running"}

            server.stop(signal.SIGKILL)  # a crash: no chance to hand jobs back
            robustness.fault("SIGKILL of the embedded server with jobs running and queued")
            server.start()

            assert erin.job(finished["id"]) == finished
            assert "country" in erin.get(f"/jobs/{finished['id']}/outputs/jfk.txt").text
            assert [erin.wait(j)["state"] for j in pending] == ["done"] * 3
            assert len(erin.get("/jobs").json()) == 4
            assert not list((tmp_path / "work").iterdir())  # the killed run's work folder went with its retry
    finally:
        server.stop()
