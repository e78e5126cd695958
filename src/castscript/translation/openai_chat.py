"""Any OpenAI-compatible chat-completions endpoint: lines sent with speakers and surrounding lines, JSON back."""

from __future__ import annotations

import json
import os

from ..core.settings import settings
from ..core.errors import TranslationError
from .base import Batch, Line
from .http import error_message, post_json

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"

INSTRUCTIONS = (
    "You translate subtitle lines of a transcript. The user sends JSON with source_language and target_language "
    "(ISO 639 codes), context_before and context_after (lines for context only, do not translate them), and lines "
    "(each with an id, the speaker's name and text). Translate every line on its own, keeping its meaning, tone and "
    "sentence boundaries, fitting the speaker and the surrounding conversation; never merge or split lines. Reply "
    'only with JSON: {"translations": [{"id": <id>, "text": "<translation>"}]}, one entry per line.'
)


class ChatTranslator:
    name = "openai"
    batch_size = 20

    def __init__(self, model: str | None = None):
        self.base_url = (
            settings().openai_base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        self.api_key = os.environ.get("OPENAI_API_KEY")
        if not self.api_key and self.base_url == DEFAULT_BASE_URL:
            raise TranslationError(
                "The OpenAI translator needs an API key.",
                hint="Set OPENAI_API_KEY, or CASTSCRIPT_OPENAI_BASE_URL for another OpenAI-compatible server.",
            )
        self.model = model or settings().openai_model or DEFAULT_MODEL

    def translate(self, batch: Batch, source: str, target: str) -> list[str]:
        request = {
            "source_language": source,
            "target_language": target,
            "context_before": [_context(line) for line in batch.before],
            "lines": [{"id": i, **_context(line)} for i, line in enumerate(batch.lines)],
            "context_after": [_context(line) for line in batch.after],
        }
        body = {
            "model": self.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": INSTRUCTIONS},
                {"role": "user", "content": json.dumps(request, ensure_ascii=False)},
            ],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        response = post_json("OpenAI-compatible endpoint", f"{self.base_url}/chat/completions", body, headers)
        if response.status_code != 200:
            raise TranslationError(
                f"{self.base_url} answered HTTP {response.status_code}: {error_message(response)}",
                hint="Check OPENAI_API_KEY, the model name (CASTSCRIPT_OPENAI_MODEL) and the base URL.",
            )
        return _parse(response.json(), len(batch.lines), self.model)


def _context(line: Line) -> dict[str, str]:
    return {"speaker": line.speaker or "unknown", "text": line.text}


def _parse(data: dict, count: int, model: str) -> list[str]:
    """The translations in line order from the reply's JSON (tolerating a Markdown code fence around it)."""
    try:
        content = data["choices"][0]["message"]["content"]
        payload = json.loads(content[content.index("{") : content.rindex("}") + 1])
        by_id = {int(item["id"]): str(item["text"]) for item in payload["translations"]}
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise TranslationError(f"Model {model} did not answer the expected JSON ({exc!r}).",
                               hint="Use a model that follows JSON instructions, or another --translator.") from None
    missing = [i for i in range(count) if i not in by_id]
    if missing:
        raise TranslationError(f"Model {model} left {len(missing)} of {count} lines untranslated.",
                               hint="Retry, or use a stronger model (CASTSCRIPT_OPENAI_MODEL).")
    return [by_id[i] for i in range(count)]
