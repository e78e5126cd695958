"""DeepL and OpenAI-compatible backends against real HTTP servers on 127.0.0.1 that speak the documented API shapes."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from castscript.asr import AsrOptions
from castscript.core.errors import TranslationError
from castscript.pipeline import TranslationOptions
from castscript.translation import translate_document
from castscript.translation.deepl import FREE_URL, PRO_URL, endpoint


def translate(document, translator: str, *targets: str, use_cache: bool = True) -> None:
    options = TranslationOptions(targets=targets, translator=translator)
    silence = np.zeros(0, np.float32)
    translate_document(document, options, asr_options=AsrOptions(), audio=lambda: silence,
                       progress=lambda fraction: None, use_cache=use_cache)


def test_deepl_endpoint_follows_the_key_kind(monkeypatch):
    monkeypatch.delenv("DEEPL_API_URL", raising=False)
    assert endpoint("abc:fx") == f"{FREE_URL}/v2/translate"
    assert endpoint("abc") == f"{PRO_URL}/v2/translate"
    monkeypatch.setenv("DEEPL_API_URL", "http://127.0.0.1:9/")
    assert endpoint("abc") == "http://127.0.0.1:9/v2/translate"


def test_deepl_batches_fifty_lines_with_context(deepl, make_script):
    document = make_script(repeats=15)  # 60 lines
    translate(document, "deepl", "pt-BR")
    assert [len(r.body["text"]) for r in deepl.requests] == [50, 10]
    first, second = deepl.requests
    assert first.body["source_lang"] == "EN" and first.body["target_lang"] == "PT-BR"
    assert first.body["context"].startswith("I agree. We should record")  # lines 50-52 follow the first batch
    assert second.body["context"].startswith("Perfect. I will call")  # lines 47-49 precede the second
    assert document.translation_languages == ["pt-BR"]
    texts = [s.translations["pt-BR"] for s in document.segments]
    assert "estúdio" in texts[3] and "estúdio" in texts[59] and "Bom dia" in texts[0]
    assert [s.start for s in document.segments] == [4.0 * i for i in range(60)]


def test_deepl_retries_after_429_with_backoff(deepl, make_script):
    deepl.failures = [(429, {"message": "Too many requests"}), (503, {"message": "Unavailable"})]
    document = make_script()
    started = time.perf_counter()
    translate(document, "deepl", "pt")
    assert len(deepl.requests) == 3
    assert time.perf_counter() - started >= 0.2 + 0.4  # 0.2 s, then doubled
    assert "episódio" in document.segments[0].translations["pt"]


def test_deepl_quota_exceeded_is_a_clear_error(deepl, make_script):
    deepl.failures = [(456, {"message": "Quota exceeded"})]
    document = make_script()
    with pytest.raises(TranslationError, match="quota exceeded") as error:
        translate(document, "deepl", "pt")
    assert len(deepl.requests) == 1, "a quota error is not retried"
    assert "billing period" in error.value.hint
    assert document.translation_languages == [] and document.segments[0].translations == {}


def test_deepl_wrong_key_and_missing_key(deepl, make_script, monkeypatch):
    monkeypatch.setenv("DEEPL_API_KEY", "wrong:fx")
    with pytest.raises(TranslationError, match="rejected the API key"):
        translate(make_script(), "deepl", "pt")
    monkeypatch.delenv("DEEPL_API_KEY")
    with pytest.raises(TranslationError, match="needs an API key"):
        translate(make_script(), "deepl", "pt")


def test_chat_backend_gets_speakers_and_context(chat, make_script):
    document = make_script(repeats=6)  # 24 lines: batches of 20 and 4
    translate(document, "openai:test-model", "pt")
    assert len(chat.requests) == 2
    body = chat.requests[1].body
    assert body["model"] == "test-model" and body["response_format"] == {"type": "json_object"}
    task = json.loads(body["messages"][-1]["content"])
    assert task["source_language"] == "en" and task["target_language"] == "pt"
    assert [line["speaker"] for line in task["lines"]] == ["Anna", "Ben", "Anna", "Ben"]
    assert [line["speaker"] for line in task["context_before"]] == ["Ben", "Anna", "Ben"]
    assert task["context_before"][-1]["text"].startswith("Perfect. I will call the studio")
    texts = [s.translations["pt"] for s in document.segments]
    assert all("episódio" in texts[i] for i in range(0, 24, 4))  # each answer lands on its own line
    assert all("estúdio" in texts[i] for i in range(3, 24, 4))


def test_chat_backend_retries_after_429(chat, make_script, monkeypatch):
    monkeypatch.setenv("CASTSCRIPT_OPENAI_MODEL", "env-model")
    chat.failures = [(429, {"error": {"message": "Rate limit reached", "type": "requests"}})]
    document = make_script()
    translate(document, "openai", "pt")
    assert len(chat.requests) == 2 and chat.requests[1].body["model"] == "env-model"
    assert "cena" in document.segments[1].translations["pt"]


def test_chat_backend_errors_name_the_cause(chat, make_script, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "wrong")
    with pytest.raises(TranslationError, match="HTTP 401: Incorrect API key"):
        translate(make_script(), "openai", "pt")
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("CASTSCRIPT_OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(TranslationError, match="needs an API key"):
        translate(make_script(), "openai", "pt")


def test_cache_prevents_a_second_request(deepl, make_script):
    first, second = make_script(), make_script()
    translate(first, "deepl", "pt")
    assert len(deepl.requests) == 1
    translate(second, "deepl", "pt")
    assert len(deepl.requests) == 1, "the second run came from the cache"
    assert [s.translations for s in second.segments] == [s.translations for s in first.segments]


def test_no_cache_translates_again(deepl, make_script):
    translate(make_script(), "deepl", "pt")
    translate(make_script(), "deepl", "pt", use_cache=False)
    assert len(deepl.requests) == 2, "--no-cache must reach the backend again"
