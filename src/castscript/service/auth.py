"""API tokens: `Authorization: Bearer <token>`, or the web UI's HttpOnly same-site session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from .errors import Unauthorized

SESSION_COOKIE = "castscript_token"


def presented_token(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.cookies.get(SESSION_COOKIE)


async def current_owner(request: Request) -> str:
    """The owner of the presented token; 401 when it is missing, unknown or revoked."""
    token = presented_token(request)
    if not token:
        raise Unauthorized("This endpoint needs an API token.",
                           hint="Send 'Authorization: Bearer <token>'; create one with: castscript tokens create --owner NAME")
    owner = await run_in_threadpool(request.app.state.services.store.owner_of, token)
    if owner is None:
        raise Unauthorized("The API token is unknown or revoked.", hint="Ask the operator for a new token.")
    return owner


Owner = Annotated[str, Depends(current_owner)]
