"""One tree of user-facing errors: each has a machine code, a CLI exit code, an HTTP status and an optional hint.

The CLI prints ``castscript: error: MESSAGE`` (and the hint) and exits with ``exit_code``; the service answers
``{"error": code, "message": ..., "hint": ...}`` with ``http_status``. Never shown as a traceback.
"""

from __future__ import annotations

__all__ = [
    "CastscriptError", "InvalidOption", "InputNotFound", "NotMediaError", "NoAudioStream", "CorruptMedia", "ModelNotFound",
    "TranslationError", "OutputError", "MediaTooLong", "Unauthorized", "NotFound", "Conflict", "UploadTooLarge",
    "BadUpload", "TooManyJobs", "InputDownloadFailed", "AddressNotAllowed", "QueueUnavailable", "all_errors",
]


class CastscriptError(Exception):
    """Base class: a problem the user can fix."""

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


def _error(name: str, code: str, exit_code: int, http_status: int, doc: str) -> type[CastscriptError]:
    return type(name, (CastscriptError,), {"code": code, "exit_code": exit_code, "http_status": http_status,
                                           "__doc__": doc, "__module__": __name__})


# Errors of a run (CLI exit codes 2-11; the README's exit-code table lists exactly these).
InvalidOption = _error("InvalidOption", "invalid_option", 2, 422, "An option value is out of range or unknown.")
InputNotFound = _error("InputNotFound", "input_not_found", 3, 404, "The input file does not exist.")
NotMediaError = _error("NotMediaError", "not_media", 4, 415, "The input is not a media file ffmpeg can read.")
NoAudioStream = _error("NoAudioStream", "no_audio_stream", 5, 422, "The media has no audio to transcribe.")
CorruptMedia = _error("CorruptMedia", "corrupt_media", 6, 422, "The media is damaged beyond decoding.")
ModelNotFound = _error("ModelNotFound", "model_not_found", 7, 503, "A model is neither bundled nor downloadable.")
TranslationError = _error("TranslationError", "translation_failed", 8, 502,
                          "A requested translation cannot run (the other outputs are kept when it fails mid-run).")
OutputError = _error("OutputError", "output_failed", 9, 507, "An output could not be written (disk full, rights).")
MediaTooLong = _error("MediaTooLong", "media_too_long", 11, 413,
                      "The media is (or decodes to) more audio than the configured limit: a guard against bombs.")

# Errors only the service raises (exit code 1 if one ever reaches the CLI).
Unauthorized = _error("Unauthorized", "unauthorized", 1, 401, "Missing or unknown API token.")
NotFound = _error("NotFound", "not_found", 1, 404, "No such job, upload or output for this token.")
Conflict = _error("Conflict", "conflict", 1, 409, "The job is in a state that does not allow this.")
UploadTooLarge = _error("UploadTooLarge", "upload_too_large", 1, 413, "The upload is over the size limit.")
BadUpload = _error("BadUpload", "bad_upload", 1, 400, "The upload request is malformed.")
TooManyJobs = _error("TooManyJobs", "too_many_jobs", 1, 429, "The token has too many queued or running jobs.")
InputDownloadFailed = _error("InputDownloadFailed", "input_download_failed", 1, 422, "A URL input could not be fetched.")
AddressNotAllowed = _error("AddressNotAllowed", "address_not_allowed", 1, 422,
                           "A URL points at an internal address (SSRF guard).")
QueueUnavailable = _error("QueueUnavailable", "queue_unavailable", 1, 503, "The job queue cannot be reached.")


def all_errors(base: type[CastscriptError] = CastscriptError) -> list[type[CastscriptError]]:
    """Every error class loaded so far, ``base`` first (for documentation and tests)."""
    return [base, *(error for sub in base.__subclasses__() for error in all_errors(sub))]
