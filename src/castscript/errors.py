"""User-facing errors: each says what is wrong, with which file, and what to do.

The CLI turns a CastscriptError into its message and exit code; the service into a 4xx JSON body.
"""

from __future__ import annotations


class CastscriptError(Exception):
    """Base class: a problem the user can fix. Never shown as a traceback."""

    exit_code = 1
    http_status = 400
    code = "error"

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message

    def to_dict(self) -> dict[str, str]:
        body = {"error": self.code, "message": self.message}
        if self.hint:
            body["hint"] = self.hint
        return body


class InputNotFound(CastscriptError):
    exit_code = 3
    http_status = 404
    code = "input_not_found"


class NotMediaError(CastscriptError):
    exit_code = 4
    http_status = 415
    code = "not_media"


class NoAudioStream(CastscriptError):
    exit_code = 5
    http_status = 422
    code = "no_audio_stream"


class CorruptMedia(CastscriptError):
    exit_code = 6
    http_status = 422
    code = "corrupt_media"


class MediaTooLong(CastscriptError):
    """The media is (or decodes to) more audio than the configured limit: a guard against decompression bombs."""

    exit_code = 11
    http_status = 413
    code = "media_too_long"


class InvalidOption(CastscriptError):
    exit_code = 2
    http_status = 422
    code = "invalid_option"


class ModelNotFound(CastscriptError):
    exit_code = 7
    http_status = 503
    code = "model_not_found"


class TranslationError(CastscriptError):
    exit_code = 8
    http_status = 502
    code = "translation_failed"


class OutputError(CastscriptError):
    exit_code = 9
    http_status = 507
    code = "output_failed"
