"""Uploads stream to storage with flat server memory; oversize bodies get 413 and leave nothing behind."""

from __future__ import annotations

import struct
import threading
from pathlib import Path

import psutil
import pytest

from .servers import Server, create_token, service_env

BOUNDARY = "castscript-test-boundary"
MiB = 1 << 20


def wav_header(size: int) -> bytes:
    """The 44-byte header of a 16 kHz mono 16-bit WAV file whose samples are the ``size - 44`` bytes after it."""
    data = size - 44
    return (b"RIFF" + struct.pack("<I", size - 8) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
            + b"data" + struct.pack("<I", data))


def multipart_body(size: int, filename: str = "big.wav"):
    """A multipart/form-data body with a ``size``-byte WAV file of silence, generated on the fly (never in memory)."""
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
           f"Content-Type: application/octet-stream\r\n\r\n").encode()
    yield wav_header(size)
    yield bytes(MiB - 44)
    chunk = bytes(MiB)
    for _ in range(size // MiB - 1):
        yield chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


class PeakRss:
    """Samples a process's resident memory every 20 ms in a thread."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.before = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            threading.Event().wait(0.02)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return self.peak - self.before


def test_one_gigabyte_upload_streams_with_flat_memory(alice, embedded):
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    rss = PeakRss(embedded.process.pid)
    response = alice.post("/uploads", content=multipart_body(1 << 30), headers=headers)
    growth = rss.stop()
    assert response.status_code == 201, response.text
    upload = response.json()
    print(f"1 GiB upload: server RSS {rss.before / MiB:.0f} MiB before, peak growth {growth / MiB:.1f} MiB")
    assert upload["size"] == 1 << 30
    stored = Path(embedded.env["CASTSCRIPT_DATA"]) / "files" / "uploads" / upload["id"] / "big.wav"
    assert stored.stat().st_size == 1 << 30
    assert growth < 64 * MiB
    assert alice.delete(f"/uploads/{upload['id']}").status_code == 204
    assert not stored.exists()


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    """A server with a 4 MiB upload limit."""
    server = Server(service_env(tmp_path_factory.mktemp("small")), ["--max-upload", "4M"]).start()
    yield server
    server.stop()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_oversize_upload_is_refused_with_413_and_nothing_stored(small_server, declared, robustness):
    robustness.bad_input("api upload", f"oversize upload ({'declared' if declared else 'chunked'})")
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    body = multipart_body(6 * MiB)
    if declared:
        body = b"".join(body)  # httpx sends Content-Length for bytes; the server refuses before reading the body
    with small_server.client(create_token(small_server.env, "dana")) as dana:
        response = dana.post("/uploads", content=body, headers=headers)
    assert response.status_code == 413
    assert response.json()["error"] == "upload_too_large" and "limit of 4 MiB" in response.json()["message"]
    uploads = Path(small_server.env["CASTSCRIPT_DATA"]) / "files" / "uploads"
    assert not uploads.exists() or not any(uploads.rglob("*"))
