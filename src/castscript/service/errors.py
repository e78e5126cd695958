"""API errors: CastscriptError subclasses, so every failure reaches the client as a JSON body with a 4xx status."""

from __future__ import annotations

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
