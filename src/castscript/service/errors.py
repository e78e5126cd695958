"""API errors: the service's classes live in the one tree (castscript.core.errors); this module only maps an error
to what a client may see (no server paths)."""

from __future__ import annotations

import re

from ..core.errors import (  # noqa: F401  (re-exported for the service modules)
    AddressNotAllowed,
    BadUpload,
    CastscriptError,
    Conflict,
    InputDownloadFailed,
    NotFound,
    QueueUnavailable,
    TooManyJobs,
    Unauthorized,
    UploadTooLarge,
)

_ABSOLUTE_DIRS = re.compile(r"(?<![\w:/.~-])(?:/[^\s/:'\"]+)+/")


def strip_paths(text: str) -> str:
    """A message without the server's folders: ``/srv/data/uploads/ab12/talk.mp4`` becomes ``talk.mp4``."""
    return _ABSOLUTE_DIRS.sub("", text)


def for_client(exc: CastscriptError) -> CastscriptError:
    """The same error with server paths taken out of its message and hint."""
    return type(exc)(strip_paths(exc.message), hint=strip_paths(exc.hint) if exc.hint else None)
