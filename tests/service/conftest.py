"""Service fixtures: one embedded `castscript serve` per session, with two token owners, and test media."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .servers import Api, Server, create_token, looped, service_env, wait_until


@pytest.fixture(scope="session", autouse=True)
def record_jobs(robustness):
    """Every API client counts the jobs it creates and follows into the session's robustness tally."""
    Api.recorder = robustness


@pytest.fixture(scope="session")
def jfk(media) -> Path:
    return media / "faster-whisper" / "jfk.flac"


@pytest.fixture(scope="session")
def long_audio(media, tmp_path_factory) -> Path:
    """Five minutes of speech (the 60 s multilingual sample looped), for jobs that must still be running."""
    return looped(media / "faster-whisper" / "multilingual.mp3", tmp_path_factory.mktemp("long") / "long.mp3", 5)


@pytest.fixture(scope="session")
def embedded(tmp_path_factory):
    """`castscript serve` with its default in-process workers, SQLite store and local storage."""
    env = service_env(tmp_path_factory.mktemp("embedded"))
    server = Server(env, ["--workers", "2"]).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def alice(embedded):
    with embedded.client(create_token(embedded.env, "alice")) as client:
        yield client


@pytest.fixture(scope="session")
def bob(embedded):
    with embedded.client(create_token(embedded.env, "bob")) as client:
        yield client


@pytest.fixture(scope="session")
def jfk_upload(alice, jfk) -> str:
    return alice.upload(jfk)


@pytest.fixture(scope="session")
def finished_job(alice, jfk_upload) -> dict:
    """A done jfk.flac job of alice's (no diarization)."""
    job = alice.submit(jfk_upload)
    return alice.wait(job["id"])


@dataclass
class Delivery:
    status: int
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """A real HTTP endpoint on 127.0.0.1 that fails the first delivery with 500 and accepts the rest."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if not receiver.deliveries else 200
                receiver.deliveries.append(Delivery(status, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int) -> list[Delivery]:
        wait_until(lambda: len(self.deliveries) >= count, 20, f"{count} webhook deliveries")
        return self.deliveries


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.server.shutdown()
