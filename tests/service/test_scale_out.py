"""Scale-out: `castscript serve --broker` + a real Celery worker process + Redis + S3 (moto's server) + SQLite by URL."""

from __future__ import annotations

import time

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from .servers import Server, create_token, free_port, service_env, spawn, start_redis, start_worker, stop, wait_until

BUCKET, INBOX = "castscript", "inbox"


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def s3(s3_endpoint):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    for bucket in (BUCKET, INBOX):
        client.create_bucket(Bucket=bucket)
    return client


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, s3, s3_endpoint):
    """Redis, one API server and one Celery worker sharing a job database, a bucket and the broker."""
    folder = tmp_path_factory.mktemp("cluster")
    redis, broker = start_redis(folder)
    env = service_env(
        folder / "api", CASTSCRIPT_BROKER=broker, CASTSCRIPT_STORAGE=f"s3://{BUCKET}/castscript",
        CASTSCRIPT_DB_URL=f"sqlite:///{folder / 'jobs.sqlite'}", AWS_ENDPOINT_URL_S3=s3_endpoint,
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
    )
    server = Server(env).start()
    worker = start_worker(env, folder / "worker", folder / "worker.log")
    yield server
    stop(worker)
    server.stop()
    stop(redis)


@pytest.fixture(scope="module")
def frank(cluster):
    with cluster.client(create_token(cluster.env, "frank")) as client:
        yield client


def keys(s3, bucket: str, prefix: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]


def test_job_runs_on_celery_worker_with_s3_storage(frank, s3, jfk):
    upload = frank.upload(jfk)
    assert keys(s3, BUCKET, f"castscript/uploads/{upload}/") == [f"castscript/uploads/{upload}/jfk.flac"]
    job = frank.wait(frank.submit(upload)["id"])
    assert job["state"] == "done", job
    stored = keys(s3, BUCKET, f"castscript/jobs/{job['id']}/")
    assert {key.rsplit("/", 1)[-1] for key in stored} == {"jfk.srt", "jfk.vtt", "jfk.txt", "jfk.json", ".document.json"}

    download = frank.get(f"/jobs/{job['id']}/outputs/jfk.txt")
    assert download.status_code == 307  # a presigned URL: the file comes straight from S3
    from_s3 = httpx.get(download.headers["location"])
    assert "ask not what your country can do for you" in from_s3.text
    assert from_s3.headers["content-disposition"].startswith("attachment;")
    assert "country" in frank.get(f"/jobs/{job['id']}/transcript").json()["segments"][-1]["text"]

    assert frank.delete(f"/jobs/{job['id']}").status_code == 204
    assert keys(s3, BUCKET, f"castscript/jobs/{job['id']}/") == []
    assert keys(s3, BUCKET, f"castscript/uploads/{upload}/") == []


def test_cancel_stops_a_job_on_the_worker(frank, long_audio, jfk):
    job = frank.submit(frank.upload(long_audio))
    wait_until(lambda: frank.job(job["id"])["stage"] == "transcribe", 60, "the worker to start transcribing")
    assert frank.post(f"/jobs/{job['id']}/cancel").json()["state"] == "cancelled"
    # The worker runs one job at a time: a new job finishing proves the cancelled one let go of it.
    follower = frank.wait(frank.submit(frank.upload(jfk))["id"], timeout=60)
    assert follower["state"] == "done"
    assert frank.job(job["id"])["state"] == "cancelled" and frank.job(job["id"])["outputs"] == []


def test_watch_bucket_submits_new_objects(frank, cluster, s3, jfk, tmp_path):
    token = frank.headers["authorization"].split()[1]
    log = tmp_path / "watch.log"
    watcher = spawn(["castscript", "watch", f"s3://{INBOX}/drop", "--server", cluster.url, "--token", token,
                     "--interval", "0.3", "--no-diarize", "--formats", "srt"], cluster.env, log)
    try:
        wait_until(lambda: "already" in log.read_text(), 20, f"the watcher to start (log: {log})")
        s3.upload_file(str(jfk), INBOX, "drop/episode 7.flac")
        job = wait_until(lambda: next((j for j in frank.get("/jobs").json() if j["input_name"] == "episode 7.flac"), None),
                         20, "the watcher to submit the new object")
        done = frank.wait(job["id"], timeout=60)
        assert [o["name"] for o in done["outputs"]] == ["episode 7.srt"]
        assert "country" in httpx.get(frank.get(done["outputs"][0]["url"]).headers["location"]).text
    finally:
        stop(watcher)


def test_sweeper_aborts_abandoned_multipart_uploads(s3, s3_endpoint, monkeypatch):
    """An upload streaming into S3 when its server died stays an incomplete multipart upload until swept."""
    from castscript.service.storage import S3Storage

    for name, value in {"AWS_ENDPOINT_URL_S3": s3_endpoint, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    storage = S3Storage(f"s3://{BUCKET}/swept")
    storage.writer("uploads/abandoned/big.wav").write(b"never committed")
    pending = lambda: s3.list_multipart_uploads(Bucket=BUCKET, Prefix="swept/").get("Uploads", [])  # noqa: E731
    assert len(pending()) == 1  # (moto reports every upload as initiated in 2010, so age cannot be tested here)
    assert storage.delete_partial(before=time.time() + 1) == 1
    assert pending() == []
