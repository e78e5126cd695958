"""DeepL REST API (v2/translate): up to 50 lines a request, surrounding lines as ``context``, quota errors surfaced."""

from __future__ import annotations

import os

from ..core.errors import TranslationError
from .base import Batch, base_language
from .http import error_message, post_json

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"


def endpoint(api_key: str) -> str:
    """DEEPL_API_URL when set; else the free endpoint for free keys (ending ':fx'), the pro endpoint otherwise."""
    base = os.environ.get("DEEPL_API_URL") or (FREE_URL if api_key.endswith(":fx") else PRO_URL)
    return base.rstrip("/") + "/v2/translate"


class DeepLTranslator:
    name = "deepl"
    model = "deepl-v2"
    batch_size = 50

    def __init__(self, api_key: str | None = None):
        key = api_key or os.environ.get("DEEPL_API_KEY")
        if not key:
            raise TranslationError(
                "The DeepL translator needs an API key.",
                hint="Set DEEPL_API_KEY (free keys end in ':fx'), or pick --translator bergamot (offline).",
            )
        self.api_key = key
        self.url = endpoint(key)

    def translate(self, batch: Batch, source: str, target: str) -> list[str]:
        body = {
            "text": [line.text for line in batch.lines],
            "source_lang": base_language(source).upper(),
            "target_lang": target.upper(),
            "preserve_formatting": True,
        }
        context = " ".join(line.text for line in batch.before + batch.after)
        if context:
            body["context"] = context
        headers = {"Authorization": f"DeepL-Auth-Key {self.api_key}"}
        response = post_json("DeepL", self.url, body, headers)
        if response.status_code != 200:
            raise _error(response.status_code, error_message(response), source, target)
        translations = [item["text"] for item in response.json().get("translations", [])]
        if len(translations) != len(batch.lines):
            raise TranslationError(f"DeepL answered {len(translations)} translations for {len(batch.lines)} lines.")
        return translations


def _error(status: int, message: str, source: str, target: str) -> TranslationError:
    if status == 456:
        return TranslationError(
            f"DeepL quota exceeded (HTTP 456): {message}",
            hint="The character quota of this DeepL key is used up: wait for the next billing period, raise the "
            "limit in the DeepL account, or pick --translator bergamot.",
        )
    if status in (401, 403):
        return TranslationError(f"DeepL rejected the API key (HTTP {status}): {message}",
                                hint="Check DEEPL_API_KEY, and that free keys (':fx') go to api-free.deepl.com.")
    if status == 400:
        return TranslationError(f"DeepL cannot translate {source}->{target}: {message}",
                                hint="Check the language codes DeepL supports (e.g. pt-BR, pt-PT, en-US, de).")
    return TranslationError(f"DeepL answered HTTP {status}: {message}")
