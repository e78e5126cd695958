"""Outbound URLs (URL inputs, redirects, webhooks) may only reach public addresses: no SSRF into the server's network.

A host is resolved and every address it resolves to must be global (not loopback, private, link-local, shared,
reserved or multicast), unless it lies in a network the operator allows (CASTSCRIPT_FETCH_ALLOW). Each redirect hop
is checked again. A host that resolves differently between the check and the connection (DNS rebinding) is not
covered; put the service behind an egress firewall where that matters.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlparse

from .errors import AddressNotAllowed

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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
