"""Job-finished webhooks: a JSON POST signed with HMAC-SHA256, retried with exponential backoff.

The receiver checks ``X-Castscript-Signature: sha256=<hex>``, where hex is HMAC-SHA256(secret, "<timestamp>.<body>")
and timestamp is the ``X-Castscript-Timestamp`` header (reject old timestamps to stop replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import httpx

from .errors import AddressNotAllowed
from .netguard import Network, check_url

log = logging.getLogger(__name__)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def deliver(url: str, payload: dict, secret: str | None, attempts: int, backoff: float,
            allow: tuple[Network, ...] = ()) -> bool:
    """POST ``payload`` until the receiver answers 2xx or ``attempts`` run out; True when delivered.

    Internal addresses (outside ``allow``) are never contacted, and redirects are not followed.
    """
    body = json.dumps(payload).encode()
    try:
        check_url(url, allow)
    except AddressNotAllowed as exc:
        log.warning("webhook not sent: %s", exc.message)
        return False
    for attempt in range(1, attempts + 1):
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Castscript-Timestamp": timestamp,
                   "X-Castscript-Event": f"job.{payload.get('state')}"}
        if secret:
            headers["X-Castscript-Signature"] = signature(secret, timestamp, body)
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=10.0)
            if response.is_success:
                return True
            log.warning("webhook %s answered %s (attempt %d/%d)", url, response.status_code, attempt, attempts)
        except httpx.HTTPError as exc:
            log.warning("webhook %s failed: %s (attempt %d/%d)", url, exc, attempt, attempts)
        if attempt < attempts:
            time.sleep(backoff * 2 ** (attempt - 1))
    return False
