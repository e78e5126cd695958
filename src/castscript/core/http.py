"""Outbound HTTP: one retry policy (tenacity, honouring Retry-After) and one SSRF guard, enforced in the transport.

Every request a guarded client sends, each redirect hop included, goes to a host whose addresses are all global
(not loopback, private, link-local, shared, reserved or multicast) unless they lie in a network the operator allows
(CASTSCRIPT_FETCH_ALLOW). A host that resolves differently between the check and the connection (DNS rebinding) is
not covered; put the service behind an egress firewall where that matters.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Callable
from urllib.parse import urlparse

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from .errors import AddressNotAllowed

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_DELAY = 30.0
"""No wait between attempts is longer than this, whatever Retry-After asks."""


def parse_networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def check_url(url: str, allow: tuple[Network, ...]) -> None:
    """Raise AddressNotAllowed unless every address of ``url``'s host is public or allowed."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise AddressNotAllowed(f"{url} is not an http(s) URL.", hint="Give an http:// or https:// URL.")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parsed.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressNotAllowed(f"Cannot resolve the host of {url}: {exc.strerror}.",
                                hint="Check the URL; the server must be able to resolve it.") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global and not any(address in network for network in allow):
            raise AddressNotAllowed(
                f"{parsed.hostname} resolves to {address}, an internal address this server does not fetch from.",
                hint="Give a public URL (e.g. a presigned S3 URL); the operator can allow networks with "
                "CASTSCRIPT_FETCH_ALLOW.",
            )


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport that checks every request's URL (so every redirect hop) before connecting."""

    def __init__(self, allow: tuple[Network, ...] = (), **kwargs):
        super().__init__(**kwargs)
        self.allow = allow

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        check_url(str(request.url), self.allow)
        return super().handle_request(request)


def guarded_client(allow: tuple[Network, ...] = (), **kwargs) -> httpx.Client:
    """An httpx.Client that only reaches public (or allowed) addresses, following redirects only if asked."""
    return httpx.Client(transport=GuardedTransport(allow), **kwargs)


class RetryableStatus(Exception):
    """An answer worth another attempt (429 or 5xx by default)."""

    def __init__(self, response: httpx.Response):
        super().__init__(f"{response.request.url} answered HTTP {response.status_code}")
        self.response = response


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks us to wait (Retry-After in seconds), or None."""
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def _wait(backoff: float) -> Callable[[RetryCallState], float]:
    """Retry-After when the last answer gave one, else ``backoff`` doubled after each attempt; at most MAX_DELAY."""

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = retry_after(error.response) if isinstance(error, RetryableStatus) else None
        return min(asked if asked is not None else backoff * 2 ** (state.attempt_number - 1), MAX_DELAY)

    return wait


def _log(what: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        log.warning("%s: %s (attempt %d); retrying in %.1f s", what, state.outcome.exception(), state.attempt_number,
                    state.next_action.sleep if state.next_action else 0.0)

    return before_sleep


def send_with_retries(
    send: Callable[[], httpx.Response],
    *,
    what: str,
    attempts: int,
    backoff: float,
    retry_on: Callable[[httpx.Response], bool] = lambda response: response.status_code in RETRY_STATUSES,
) -> httpx.Response:
    """``send()`` until it answers something ``retry_on`` does not flag, at most ``attempts`` times.

    Transport errors are retried too. After the last attempt the last error is raised: RetryableStatus (its
    ``response`` attached) or the httpx.TransportError. AddressNotAllowed is never retried.
    """
    policy = Retrying(
        stop=stop_after_attempt(max(1, attempts)),
        wait=_wait(backoff),
        retry=retry_if_exception_type((httpx.TransportError, RetryableStatus)),
        before_sleep=_log(what),
        reraise=True,
    )
    for attempt in policy:
        with attempt:
            response = send()
            if retry_on(response):
                raise RetryableStatus(response)
    return response
