"""POST JSON to a translation web service, retried on 429 and 5xx answers by the one retry policy (core.http:
Retry-After honoured, else exponential backoff from CASTSCRIPT_HTTP_BACKOFF)."""

from __future__ import annotations

import httpx

from ..core.errors import TranslationError
from ..core.http import RetryableStatus, send_with_retries
from ..core.settings import settings

ATTEMPTS = 5


def post_json(service: str, url: str, body: dict, headers: dict[str, str], timeout: float = 60.0) -> httpx.Response:
    """The first answer that is not a 429/5xx; a TranslationError once every attempt failed."""
    with httpx.Client(timeout=timeout) as client:
        try:
            return send_with_retries(lambda: client.post(url, json=body, headers=headers), what=service,
                                     attempts=ATTEMPTS, backoff=settings().http_backoff)
        except RetryableStatus as exc:
            problem = f"{url} answered HTTP {exc.response.status_code}"
        except httpx.TransportError as exc:
            problem = f"could not reach {url} ({exc})"
    raise TranslationError(
        f"{service}: {problem}, {ATTEMPTS} attempts.",
        hint="The service is overloaded or down: try again later, or pick another --translator.",
    )


def error_message(response: httpx.Response) -> str:
    """The service's own error text (DeepL: {"message"}, OpenAI: {"error": {"message"}}), else the body."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and "message" in error:
            return str(error["message"])
        if "message" in data:
            return str(data["message"])
    return response.text[:300]
