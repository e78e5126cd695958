"""Streaming multipart upload: the request body flows through python-multipart's parser straight into storage.

Nothing is buffered beyond one megabyte; a body declared or found larger than the limit is refused with 413
and whatever was written is removed. A stored upload that is not usable media is refused (415/422/413) and removed.
"""

from __future__ import annotations

import time

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ..core.errors import CastscriptError
from ..media import probe
from ..media.probe import no_audio
from .errors import BadUpload, UploadTooLarge
from .jobs import Services
from .storage import Writer, safe_filename
from .store import UploadRow, new_id

FLUSH_BYTES = 1 << 20
FRAMING_ALLOWANCE = 1 << 20
"""Bytes of multipart framing and small fields tolerated beyond the file size limit."""
FILE_FIELD = b"file"


class _FilePart:
    """python-multipart callbacks that keep the data of the form field named "file" and drop the rest."""

    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.field, self.value = b"", b""
        self.in_file = False
        self.filename: str | None = None
        self.finished = False
        self.pending = bytearray()

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._data, "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self.headers, self.field, self.value = {}, b"", b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def _header_end(self) -> None:
        self.headers[self.field.lower()] = self.value
        self.field, self.value = b"", b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.in_file = params.get(b"name") == FILE_FIELD and b"filename" in params and self.filename is None
        if self.in_file:
            self.filename = safe_filename(params[b"filename"].decode("utf-8", "replace"))

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.pending += data[start:end]

    def _end(self) -> None:
        if self.in_file:
            self.in_file, self.finished = False, True


async def receive_upload(request: Request, services: Services, owner: str) -> UploadRow:
    """Store the "file" field of a multipart/form-data request; return the upload's record."""
    limit = services.config.max_upload_bytes
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise BadUpload("Send the media as multipart/form-data with a field named 'file'.",
                        hint="e.g. curl -F file=@episode.mp4 ...")
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + FRAMING_ALLOWANCE:
        raise _too_large(limit)
    part = _FilePart()
    parser = MultipartParser(params[b"boundary"], part.callbacks())
    upload_id, writer, received, size = new_id(), None, 0, 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            parser.write(chunk)
            if received > limit + FRAMING_ALLOWANCE or size + len(part.pending) > limit:
                raise _too_large(limit)
            if part.filename and writer is None:
                writer = await run_in_threadpool(services.storage.writer, f"uploads/{upload_id}/{part.filename}")
            if writer is not None and (len(part.pending) >= FLUSH_BYTES or part.finished):
                size += await _flush(writer, part)
        parser.finalize()
        if writer is None or not part.finished:
            raise BadUpload("The upload has no complete field named 'file'.",
                            hint="Send the media as multipart/form-data: file=@episode.mp4.")
        size += await _flush(writer, part)
        await run_in_threadpool(writer.commit)
    except BaseException:
        if writer is not None:
            await run_in_threadpool(writer.abort)
        raise
    row = UploadRow(id=upload_id, owner=owner, key=f"uploads/{upload_id}/{part.filename}", name=part.filename,
                    size=size, created_at=time.time())
    await run_in_threadpool(check_media, services, row)
    return await run_in_threadpool(services.store.add_upload, row)


def check_media(services: Services, row: UploadRow) -> None:
    """Probe an upload in local storage (a header read, no decoding); what has no usable audio is removed and refused.

    Uploads in object storage are probed by the worker instead, which fails the job with the same error.
    """
    target = services.storage.locate(row.key)
    if isinstance(target, str):
        return
    try:
        if probe(target).audio_channels is None:
            raise no_audio(target)
    except CastscriptError:
        services.storage.delete_prefix(f"uploads/{row.id}")
        raise


async def _flush(writer: Writer, part: _FilePart) -> int:
    data = bytes(part.pending)
    part.pending.clear()
    if data:
        await run_in_threadpool(writer.write, data)
    return len(data)


def _too_large(limit: int) -> UploadTooLarge:
    size = f"{limit / (1 << 30):g} GiB" if limit >= 1 << 30 else f"{limit / (1 << 20):g} MiB"
    return UploadTooLarge(f"The upload is larger than this server's limit of {size}.",
                          hint="Split the media, or ask the operator to raise CASTSCRIPT_MAX_UPLOAD.")
