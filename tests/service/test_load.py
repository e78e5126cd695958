"""Load: 50 short jobs submitted at once by 5 clients to `castscript serve` with 2 workers; every job finishes,
none is lost, and status calls stay fast while the workers are busy (p50/p99 printed)."""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from castscript.media import SAMPLE_RATE, decode_audio
from castscript.media.wav import write_wav

from .servers import Server, create_token, service_env

CLIENTS, JOBS_PER_CLIENT, CLIP_SECONDS = 5, 10, 2.0


@pytest.fixture(scope="module")
def clips(jfk, tmp_path_factory) -> list:
    """50 different 2 s clips of jfk.flac (each start 0.18 s later), so no job reuses another's cached stages."""
    audio, folder = decode_audio(jfk), tmp_path_factory.mktemp("clips")
    length = int(CLIP_SECONDS * SAMPLE_RATE)
    return [write_wav(folder / f"clip{i:02d}.wav", [audio[int(i * 0.18 * SAMPLE_RATE):][:length]])
            for i in range(CLIENTS * JOBS_PER_CLIENT)]


def test_fifty_concurrent_jobs_all_finish_with_fast_status_calls(clips, tmp_path, robustness):
    server = Server(service_env(tmp_path), ["--workers", "2"]).start()
    latencies: list[float] = []
    lock = threading.Lock()

    def client_run(number: int) -> dict[str, dict]:
        with server.client(create_token(server.env, f"load-{number}")) as client:
            mine = clips[number * JOBS_PER_CLIENT:(number + 1) * JOBS_PER_CLIENT]
            ids = [client.submit(client.upload(clip), formats=["txt"])["id"] for clip in mine]
            final: dict[str, dict] = {}
            deadline = time.monotonic() + 300
            while len(final) < len(ids) and time.monotonic() < deadline:
                for job_id in set(ids) - set(final):
                    started = time.perf_counter()
                    job = client.job(job_id)
                    with lock:
                        latencies.append(time.perf_counter() - started)
                    if job["state"] in ("done", "failed", "cancelled"):
                        final[job_id] = job
                        client.recorder.finished.add(job_id)
                    time.sleep(0.2)  # 5 status calls a second per client (the workers share the API's process)
            client.recorder.lost.update(set(ids) - set(final))
            assert {job["id"] for job in client.get("/jobs").json()} == set(ids)  # each owner sees exactly theirs
            return final

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = [job for final in pool.map(client_run, range(CLIENTS)) for job in final.values()]
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    latencies.sort()
    p50, p99 = statistics.median(latencies), latencies[int(0.99 * (len(latencies) - 1))]
    print(f"\n{len(results)} jobs from {CLIENTS} clients in {elapsed:.1f} s with 2 workers; "
          f"{len(latencies)} status calls: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    assert len(results) == CLIENTS * JOBS_PER_CLIENT
    assert [job["state"] for job in results] == ["done"] * len(results), [j for j in results if j["state"] != "done"]
    assert all(job["attempts"] == 1 and len(job["outputs"]) == 1 for job in results)
    assert p50 < 0.25 and p99 < 2.0
