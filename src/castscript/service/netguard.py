"""Alias: the SSRF guard lives in :mod:`castscript.core.http`, enforced by the transport of every outbound client
(URL inputs and each of their redirects, webhooks)."""

from ..core.http import GuardedTransport, Network, check_url, guarded_client, parse_networks  # noqa: F401
