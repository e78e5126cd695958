"""Local HTTP servers speaking the DeepL and OpenAI chat-completions API shapes, translating with real Bergamot models.

Each server records the requests it got and can be told to answer the next requests with errors (429, 456, ...).
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import pytest

from castscript.document import Document, MediaInfo, Segment, Speaker
from castscript.translation import Batch, Line
from castscript.translation.bergamot import BergamotTranslator

API_KEY = "test-key:fx"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class LocalService:
    """A real HTTP server on 127.0.0.1; ``answer`` maps a request to (status, JSON body)."""

    answer: Callable[[Request], tuple[int, dict]]
    requests: list[Request] = field(default_factory=list)
    failures: list[tuple[int, dict]] = field(default_factory=list)
    """Answers for the next requests, before ``answer`` is used again."""

    def start(self) -> ThreadingHTTPServer:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                request = Request(self.path, dict(self.headers), body)
                service.requests.append(request)
                status, payload = service.failures.pop(0) if service.failures else service.answer(request)
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        self.requests.clear()
        self.failures.clear()


def bergamot(texts: list[str], source: str, target: str) -> list[str]:
    """What the service answers: the real Bergamot translation."""
    batch = Batch(tuple(Line(text, 0.0, 0.0) for text in texts))
    return BergamotTranslator().translate(batch, source.lower(), target.lower())


def deepl_answer(request: Request) -> tuple[int, dict]:
    """POST /v2/translate as documented: JSON body with text[], source_lang, target_lang; DeepL-Auth-Key header."""
    if request.path != "/v2/translate":
        return 404, {"message": "Not found"}
    if request.headers.get("Authorization") != f"DeepL-Auth-Key {API_KEY}":
        return 403, {"message": "Authorization failure, check auth_key"}
    texts = request.body["text"]
    if len(texts) > 50:
        return 413, {"message": "Too many texts"}
    source = request.body["source_lang"]
    translated = bergamot(texts, source, request.body["target_lang"])
    return 200, {"translations": [{"detected_source_language": source, "text": t} for t in translated]}


def chat_answer(request: Request) -> tuple[int, dict]:
    """POST /v1/chat/completions: translates the "lines" of the user message's JSON and answers JSON per line."""
    if request.path != "/v1/chat/completions":
        return 404, {"error": {"message": "Not found"}}
    if request.headers.get("Authorization") != f"Bearer {API_KEY}":
        return 401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
    task = json.loads(request.body["messages"][-1]["content"])
    texts = [line["text"] for line in task["lines"]]
    translated = bergamot(texts, task["source_language"], task["target_language"])
    items = [{"id": line["id"], "text": text} for line, text in zip(task["lines"], translated)]
    content = json.dumps({"translations": items})
    message = {"role": "assistant", "content": content}
    return 200, {"object": "chat.completion", "model": request.body["model"],
                 "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}


@contextmanager
def serving(answer: Callable[[Request], tuple[int, dict]]):
    service = LocalService(answer)
    server = service.start()
    try:
        yield service
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def deepl_service():
    with serving(deepl_answer) as service:
        yield service


@pytest.fixture(scope="session")
def chat_service():
    with serving(chat_answer) as service:
        yield service


@pytest.fixture
def deepl(deepl_service, monkeypatch, tmp_path):
    """The DeepL-shaped server, configured through the environment, with a fresh translation cache."""
    deepl_service.reset()
    monkeypatch.setenv("DEEPL_API_KEY", API_KEY)
    monkeypatch.setenv("DEEPL_API_URL", deepl_service.url)
    monkeypatch.setenv("CASTSCRIPT_CACHE", str(tmp_path))
    monkeypatch.setenv("CASTSCRIPT_HTTP_BACKOFF", "0.2")
    return deepl_service


@pytest.fixture
def chat(chat_service, monkeypatch, tmp_path):
    chat_service.reset()
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("CASTSCRIPT_OPENAI_BASE_URL", chat_service.url + "/v1")
    monkeypatch.setenv("CASTSCRIPT_CACHE", str(tmp_path))
    monkeypatch.setenv("CASTSCRIPT_HTTP_BACKOFF", "0.2")
    return chat_service


SCRIPT = [
    ("Anna", "Good morning. Did you read the script for the new episode?"),
    ("Ben", "Yes, I read it last night. The second scene is very funny."),
    ("Anna", "I agree. We should record it this afternoon."),
    ("Ben", "Perfect. I will call the studio and book a room for three o'clock."),
]


@pytest.fixture(scope="session")
def make_script():
    return script_document


def script_document(repeats: int = 1) -> Document:
    """A two-speaker transcript (the demo dialogue's lines ``repeats`` times), one segment per line."""
    speakers = {"SPEAKER_00": Speaker("SPEAKER_00", name="Anna"), "SPEAKER_01": Speaker("SPEAKER_01", name="Ben")}
    labels = {"Anna": "SPEAKER_00", "Ben": "SPEAKER_01"}
    segments = [
        Segment(start=4.0 * i, end=4.0 * i + 3.5, text=text, speaker=labels[name])
        for i, (name, text) in enumerate(SCRIPT * repeats)
    ]
    return Document(media=MediaInfo(path="script.wav", duration=4.0 * len(segments)), language="en",
                    segments=segments, speakers=speakers)
