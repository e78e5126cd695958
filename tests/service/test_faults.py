"""Faults injected into a real deployment (API + Celery worker + Redis, shared SQLite and local storage): a worker
killed with SIGKILL mid-job, Redis and the API killed and restarted, a full disk, abandoned uploads. No job is lost,
none is duplicated, and nothing is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from .servers import Api, Server, create_token, looped, service_env, start_redis, start_worker, stop, wait_until


@dataclass
class Cluster:
    folder: Path
    redis: subprocess.Popen
    broker: str
    server: Server
    worker: subprocess.Popen
    client: Api

    @property
    def files(self) -> Path:
        return self.folder / "files"

    @property
    def worker_data(self) -> Path:
        return self.folder / "worker"

    def restart_redis(self) -> None:
        stop(self.redis, signal.SIGKILL)
        self.redis, _ = start_redis(self.folder, int(self.broker.rsplit(":", 1)[1].split("/")[0]), persistent=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    redis, broker = start_redis(folder, persistent=True)
    env = service_env(folder / "api", CASTSCRIPT_BROKER=broker, CASTSCRIPT_STORAGE=str(folder / "files"),
                      CASTSCRIPT_DB_URL=f"sqlite:///{folder / 'jobs.sqlite'}")
    server = Server(env).start()
    worker = start_worker(env, folder / "worker", folder / "worker.log")
    with server.client(create_token(env, "grace")) as client:
        cluster = Cluster(folder, redis, broker, server, worker, client)
        yield cluster
    stop(cluster.worker)
    cluster.server.stop()
    stop(cluster.redis)


@pytest.fixture(scope="module")
def two_minutes(media, tmp_path_factory) -> Path:
    return looped(media / "faster-whisper" / "multilingual.mp3",
                  tmp_path_factory.mktemp("two-minutes") / "two-minutes.mp3", 2)


def stage_files(cluster: Cluster) -> dict[str, float]:
    folder = cluster.worker_data / "cache" / "stages"
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.json")} if folder.is_dir() else {}


def leftovers(cluster: Cluster) -> list[Path]:
    """Half-written files in storage and work folders on the worker: what a crash must not leave."""
    work = cluster.worker_data / "work"
    return [*cluster.files.rglob("*.part"), *(work.iterdir() if work.is_dir() else [])]


def test_worker_killed_mid_job_retries_from_the_stage_cache(cluster, two_minutes, robustness):
    client = cluster.client
    job = client.submit(client.upload(two_minutes), diarize=True, formats=["srt", "json"])
    # The first finished stage (transcription or diarization) is in the cache while the job still runs.
    first = wait_until(lambda: stage_files(cluster), 240, "a finished stage in the worker's cache", interval=0.05)
    assert client.job(job["id"])["state"] == "running"
    pool = psutil.Process(cluster.worker.pid).children()
    assert len(pool) == 1
    os.kill(pool[0].pid, signal.SIGKILL)
    robustness.fault("SIGKILL of the Celery worker process mid-job")

    done = client.wait(job["id"], timeout=300)
    assert done["state"] == "done" and done["attempts"] == 2, done
    after = stage_files(cluster)
    assert {name: after[name] for name in first} == first  # reused as they were, not computed again
    assert len(after) == 2  # and the unfinished stage was computed once, by the retry
    assert sorted(o["name"] for o in done["outputs"]) == ["two-minutes.json", "two-minutes.srt"]
    stored = sorted(p.name for p in (cluster.files / "jobs" / job["id"] / "outputs").iterdir())
    assert stored == [".document.json", "two-minutes.json", "two-minutes.srt"]
    assert leftovers(cluster) == []


@pytest.fixture(scope="module")
def short_clip(jfk, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("short") / "jfk.flac"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(jfk), "-t", "4", str(path)], check=True)
    return path


def test_redis_and_api_restarts_lose_no_job(cluster, short_clip, robustness):
    client = cluster.client
    upload = client.upload(short_clip)
    jobs = [client.submit(upload, use_cache=False, formats=["txt"])["id"] for _ in range(4)]
    wait_until(lambda: client.job(jobs[0])["state"] == "running", 60, "the first job to start")

    known = {j["id"] for j in client.get("/jobs").json()}
    stop(cluster.redis, signal.SIGKILL)
    robustness.fault("SIGKILL of Redis with jobs queued and one running")
    refused = client.post("/jobs", json={"upload_id": upload, "options": {"diarize": False}})
    assert refused.status_code == 503 and refused.json()["error"] == "queue_unavailable", refused.text
    assert "Nothing was queued" in refused.json()["hint"]
    assert {j["id"] for j in client.get("/jobs").json()} == known  # the refused job was not kept half-queued
    cluster.restart_redis()

    cluster.server.stop(signal.SIGKILL)
    robustness.fault("SIGKILL of the API server with jobs queued")
    cluster.server.start()

    finished = [client.wait(job_id, timeout=180) for job_id in jobs]
    assert [job["state"] for job in finished] == ["done"] * 4, finished
    assert all(job["outputs"] == [{"name": "jfk.txt", "url": f"/jobs/{job['id']}/outputs/jfk.txt"}]
               for job in finished)
    assert leftovers(cluster) == []


@pytest.fixture
def tiny_disk(tmp_path):
    """A 4 MiB tmpfs for the server's storage: a disk that really fills up (ENOSPC)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_full_disk_fails_the_job_with_the_reason_and_keeps_nothing(tiny_disk, tmp_path, jfk, robustness):
    server = Server(service_env(tmp_path / "data", CASTSCRIPT_STORAGE=str(tiny_disk)), ["--workers", "1"]).start()
    try:
        with server.client(create_token(server.env, "heidi")) as client:
            upload = client.upload(jfk)
            free = os.statvfs(tiny_disk).f_bavail * os.statvfs(tiny_disk).f_frsize
            filler = tiny_disk / "filler"
            subprocess.run(["fallocate", "-l", str(free - 4096), str(filler)], check=True)
            robustness.fault("storage disk full")
            failed = client.wait(client.submit(upload, formats=["srt", "json"])["id"])
            assert failed["state"] == "failed" and failed["outputs"] == [], failed
            error = failed["error"]
            assert error["error"] == "output_failed" and "No space left on device" in error["message"], error
            assert "free" in error["hint"] or "full" in error["hint"], error
            assert not (tiny_disk / "jobs").exists() or not [p for p in (tiny_disk / "jobs").rglob("*") if p.is_file()]
            assert not list(tiny_disk.rglob("*.part"))

            filler.unlink()
            again = client.wait(client.submit(upload, formats=["srt", "json"])["id"])
            assert again["state"] == "done", again
    finally:
        server.stop()


def test_abandoned_uploads_and_crash_leftovers_are_swept(tmp_path, jfk, robustness):
    env = service_env(tmp_path, CASTSCRIPT_UPLOAD_TTL="3", CASTSCRIPT_CLEANUP_INTERVAL="0.5")
    server = Server(env, ["--workers", "1"]).start()
    files = tmp_path / "files"
    try:
        with server.client(create_token(env, "ivan")) as client:
            abandoned = client.upload(jfk)
            used = client.upload(jfk)
            assert client.wait(client.submit(used, formats=["txt"])["id"])["state"] == "done"
            # A server killed mid-upload leaves a half-written file; the restarted one sweeps it away.
            body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"half.flac\"\r\n\r\n"
                    + jfk.read_bytes())
            slow = subprocess.Popen(["curl", "-s", "--limit-rate", "200k", "-H", f"Authorization: Bearer {client.headers['authorization'].split()[1]}",
                                     "-H", "Content-Type: multipart/form-data; boundary=b", "--data-binary", "@-",
                                     f"{server.url}/uploads"], stdin=subprocess.PIPE)
            slow.stdin.write(body)
            slow.stdin.close()
            wait_until(lambda: list(files.rglob("*.part")), 20, "the upload to start")
            server.stop(signal.SIGKILL)
            slow.wait(20)
            robustness.fault("SIGKILL of the API server mid-upload")
            partial = list(files.rglob("*.part"))
            assert partial
            server.start()

            wait_until(lambda: not (files / "uploads" / abandoned).exists() and not any(p.exists() for p in partial),
                       20, "the sweeper")
            assert client.delete(f"/uploads/{abandoned}").status_code == 404
            assert (files / "uploads" / used / "jfk.flac").is_file()  # a job uses it
            assert not list((tmp_path / "work").iterdir())
    finally:
        server.stop()
