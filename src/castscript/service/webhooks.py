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

from ..core.errors import AddressNotAllowed
from ..core.http import Network, RetryableStatus, guarded_client, send_with_retries

log = logging.getLogger(__name__)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def deliver(url: str, payload: dict, secret: str | None, attempts: int, backoff: float,
            allow: tuple[Network, ...] = ()) -> bool:
    """POST ``payload`` until the receiver answers 2xx or ``attempts`` run out; True when delivered.

    Retries follow the one policy (Retry-After honoured, else ``backoff`` doubled); internal addresses (outside
    ``allow``) are never contacted (the client's transport checks), and redirects are not followed.
    """
    body = json.dumps(payload).encode()

    def send(client: httpx.Client) -> httpx.Response:
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Castscript-Timestamp": timestamp,
                   "X-Castscript-Event": f"job.{payload.get('state')}"}
        if secret:
            headers["X-Castscript-Signature"] = signature(secret, timestamp, body)
        return client.post(url, content=body, headers=headers)

    try:
        with guarded_client(allow, timeout=10.0) as client:
            send_with_retries(lambda: send(client), what=f"webhook {url}", attempts=attempts, backoff=backoff,
                              retry_on=lambda response: not response.is_success)
        return True
    except AddressNotAllowed as exc:
        log.warning("webhook not sent: %s", exc.message)
    except (RetryableStatus, httpx.HTTPError) as exc:
        log.warning("webhook %s not delivered after %d attempts: %s", url, attempts, exc)
    return False
