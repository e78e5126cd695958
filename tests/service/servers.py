"""Real processes for the service tests: `castscript serve`, Celery workers, redis-server, on free loopback ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

TERMINAL = ("done", "failed", "cancelled")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A child in its own process group (so its own children stop with it), output to ``log``."""
    with log.open("ab") as handle:
        return subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


LOOPBACK = "127.0.0.0/8"
"""The test servers (webhook receivers, moto S3) listen on loopback, which URL jobs may only reach when allowed."""


def service_env(data: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "CASTSCRIPT_DATA": str(data), "CASTSCRIPT_WEBHOOK_BACKOFF": "0.2",
            "CASTSCRIPT_FETCH_ALLOW": LOOPBACK, **extra}


def create_token(env: dict[str, str], owner: str) -> str:
    out = subprocess.run(["castscript", "tokens", "create", "--owner", owner], env=env, check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


@dataclass
class Server:
    """`castscript serve` on a free port; ``restart`` keeps its data folder."""

    env: dict[str, str]
    args: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        log = Path(self.env["CASTSCRIPT_DATA"]) / "serve.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.process = spawn(["castscript", "serve", "--port", str(self.port), *self.args], self.env, log)
        wait_until(self._healthy, 30, f"castscript serve on {self.url} (log: {log})")
        return self

    def _healthy(self) -> bool:
        assert self.process.poll() is None, f"castscript serve exited with {self.process.returncode}"
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        stop(self.process, sig)

    def client(self, token: str | None) -> Api:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return Api(base_url=self.url, headers=headers, timeout=httpx.Timeout(30.0, write=None))


class Api(httpx.Client):
    """httpx client with the job API's common steps; jobs it creates and waits for go into ``recorder``."""

    recorder = None
    """The session's Robustness tally (set by the service conftest)."""

    def post(self, url, *args, **kwargs) -> httpx.Response:
        response = super().post(url, *args, **kwargs)
        if url == "/jobs" and response.status_code == 201 and self.recorder is not None:
            self.recorder.submitted.add(response.json()["id"])
        return response

    def upload(self, path: Path) -> str:
        with path.open("rb") as handle:
            response = self.post("/uploads", files={"file": (path.name, handle)})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def submit(self, upload_id: str, headers: dict | None = None, **options) -> dict:
        body = {"upload_id": upload_id, "options": {"diarize": False, **options}}
        response = self.post("/jobs", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    def job(self, job_id: str) -> dict:
        response = self.get(f"/jobs/{job_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait(self, job_id: str, states=TERMINAL, timeout: float = 90) -> dict:
        try:
            job = wait_until(lambda: (job := self.job(job_id))["state"] in states and job, timeout,
                             f"job {job_id} to reach {states}", interval=0.2)
        except AssertionError:
            if self.recorder is not None:
                self.recorder.lost.add(job_id)
            raise
        if self.recorder is not None and job["state"] in TERMINAL:
            self.recorder.finished.add(job_id)
        return job


def looped(source: Path, target: Path, times: int) -> Path:
    """``source`` played ``times`` times in a row (stream copy, so instant)."""
    subprocess.run(["ffmpeg", "-v", "error", "-stream_loop", str(times - 1), "-i", str(source), "-c", "copy",
                    str(target)], check=True)
    return target


def start_worker(env: dict[str, str], data: Path, log: Path) -> subprocess.Popen:
    """`castscript worker` running one job at a time, once Celery reports it ready."""
    worker = spawn(["castscript", "worker", "--concurrency", "1", "--data", str(data)], env, log)
    wait_until(lambda: "ready." in log.read_text(), 60, f"the Celery worker (log: {log})")
    return worker


def start_redis(folder: Path, port: int | None = None, persistent: bool = False) -> tuple[subprocess.Popen, str]:
    """redis-server on ``port`` (a free one by default); ``persistent`` keeps every write in an fsynced AOF in
    ``folder``, as production needs to keep queued jobs across a Redis restart."""
    port = port or free_port()
    durability = ["--appendonly", "yes", "--appendfsync", "always"] if persistent else ["--appendonly", "no"]
    process = spawn(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", *durability,
                     "--dir", str(folder)], dict(os.environ), folder / "redis.log")
    url = f"redis://127.0.0.1:{port}/0"

    def ready() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_until(ready, 10, "redis-server")
    return process, url
