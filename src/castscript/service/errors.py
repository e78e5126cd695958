"""API errors: CastscriptError subclasses, so every failure reaches the client as a JSON body with a 4xx status."""

from __future__ import annotations

import re

from ..errors import CastscriptError


class Unauthorized(CastscriptError):
    http_status = 401
    code = "unauthorized"


class NotFound(CastscriptError):
    http_status = 404
    code = "not_found"


class Conflict(CastscriptError):
    http_status = 409
    code = "conflict"


class UploadTooLarge(CastscriptError):
    http_status = 413
    code = "upload_too_large"


class BadUpload(CastscriptError):
    http_status = 400
    code = "bad_upload"


class TooManyJobs(CastscriptError):
    http_status = 429
    code = "too_many_jobs"


class InputDownloadFailed(CastscriptError):
    http_status = 422
    code = "input_download_failed"


class AddressNotAllowed(CastscriptError):
    http_status = 422
    code = "address_not_allowed"


class QueueUnavailable(CastscriptError):
    http_status = 503
    code = "queue_unavailable"


_ABSOLUTE_DIRS = re.compile(r"(?<![\w:/.~-])(?:/[^\s/:'\"]+)+/")


def strip_paths(text: str) -> str:
    """A message without the server's folders: ``/srv/data/uploads/ab12/talk.mp4`` becomes ``talk.mp4``."""
    return _ABSOLUTE_DIRS.sub("", text)


def for_client(exc: CastscriptError) -> CastscriptError:
    """The same error with server paths taken out of its message and hint."""
    return type(exc)(strip_paths(exc.message), hint=strip_paths(exc.hint) if exc.hint else None)
