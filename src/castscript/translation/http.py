"""POST JSON to a translation web service, retrying with exponential backoff on 429 and 5xx answers."""

from __future__ import annotations

import logging
import os
import time

import httpx

from ..errors import TranslationError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 5
MAX_DELAY = 30.0


def backoff_seconds() -> float:
    """First retry delay; doubles on each further attempt (CASTSCRIPT_HTTP_BACKOFF, default 1 s)."""
    return float(os.environ.get("CASTSCRIPT_HTTP_BACKOFF", "1.0"))


def post_json(service: str, url: str, body: dict, headers: dict[str, str], timeout: float = 60.0) -> httpx.Response:
    """The first answer that is not a 429/5xx; a TranslationError once every attempt failed."""
    problem = ""
    with httpx.Client(timeout=timeout) as client:
        for attempt in range(ATTEMPTS):
            try:
                response = client.post(url, json=body, headers=headers)
            except httpx.TransportError as exc:
                problem, delay = f"could not reach {url} ({exc})", None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem, delay = f"{url} answered HTTP {response.status_code}", _retry_after(response)
            if attempt + 1 < ATTEMPTS:
                wait = delay if delay is not None else backoff_seconds() * 2**attempt
                log.warning("%s: %s; retrying in %.1f s", service, problem, wait)
                time.sleep(min(wait, MAX_DELAY))
    raise TranslationError(
        f"{service}: {problem}, {ATTEMPTS} attempts.",
        hint="The service is overloaded or down: try again later, or pick another --translator.",
    )


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


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
