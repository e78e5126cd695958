"""The one retry policy (Retry-After honoured) and the SSRF guard in the transport, against real local servers."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from castscript.core.errors import AddressNotAllowed
from castscript.core.http import RetryableStatus, guarded_client, parse_networks, send_with_retries


class Script:
    """A loopback server answering a scripted list of (status, headers) and then 200; records each path."""

    def __init__(self, host: str, answers: list[tuple[int, dict]]):
        self.answers, self.paths = list(answers), []
        script = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                script.paths.append(self.path)
                status, headers = script.answers.pop(0) if script.answers else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_retry_after_is_honoured_over_the_backoff():
    server = Script("127.0.0.1", [(503, {"Retry-After": "1"}), (429, {})])
    try:
        started = time.perf_counter()
        with httpx.Client() as client:
            response = send_with_retries(lambda: client.get(server.url), what="test", attempts=3, backoff=0.05)
        elapsed = time.perf_counter() - started
    finally:
        server.close()
    assert response.status_code == 200 and len(server.paths) == 3
    assert 1.05 <= elapsed < 3  # 1 s asked by Retry-After, then 0.1 s (0.05 doubled)


def test_last_retryable_answer_is_raised_with_its_response():
    server = Script("127.0.0.1", [(502, {})] * 3)
    try:
        with httpx.Client() as client, pytest.raises(RetryableStatus) as error:
            send_with_retries(lambda: client.get(server.url), what="test", attempts=2, backoff=0.01)
    finally:
        server.close()
    assert error.value.response.status_code == 502 and len(server.paths) == 2


def test_guarded_transport_refuses_a_redirect_to_an_internal_address():
    internal = Script("127.0.0.1", [])
    public = Script("127.0.0.2", [(302, {"Location": f"{internal.url}/latest/meta-data"})])
    try:
        with guarded_client(parse_networks(("127.0.0.2/32",)), follow_redirects=True) as client:
            with pytest.raises(AddressNotAllowed, match="internal address"):
                client.get(f"{public.url}/talk.mp3")
    finally:
        internal.close()
        public.close()
    assert public.paths == ["/talk.mp3"] and internal.paths == []
