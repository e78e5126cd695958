"""File storage for uploads and outputs: a local folder by default, S3-compatible object storage by s3:// URL.

Every write lands under a temporary name first and appears at its key only when complete, so readers never see
half a file. S3 endpoints and credentials come from boto3's usual settings (AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID...).
"""

from __future__ import annotations

import mimetypes
import shutil
import unicodedata
from contextlib import suppress
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlparse

from ..core.files import AtomicFile
from ..core.errors import InvalidOption, OutputError

PART_SIZE = 8 << 20
"""S3 multipart part size (S3's minimum for all but the last part is 5 MiB)."""


class Writer(Protocol):
    def write(self, data: bytes) -> None: ...
    def commit(self) -> None: ...
    def abort(self) -> None: ...


class Storage(Protocol):
    def writer(self, key: str) -> Writer:
        """A streaming writer; the object exists under ``key`` only after ``commit()``."""

    def put_file(self, key: str, path: Path) -> None: ...
    def fetch(self, key: str, folder: Path) -> Path:
        """A local path holding the object (the stored file itself for local storage, else a copy in ``folder``)."""

    def read_bytes(self, key: str) -> bytes: ...
    def write_bytes(self, key: str, data: bytes) -> None: ...
    def delete_prefix(self, prefix: str) -> None: ...
    def delete(self, key: str) -> None:
        """Remove one object (no error when it is missing)."""

    def exists(self, key: str) -> bool: ...
    def locate(self, key: str) -> Path | str:
        """Where a client reads the object: the local file, or a presigned URL serving it as an attachment."""

    def delete_partial(self, before: float) -> int:
        """Remove writes abandoned (not touched) since ``before``, e.g. by a server killed mid-upload; their count."""


def open_storage(url: str) -> Storage:
    return S3Storage(url) if url.startswith("s3://") else LocalStorage(Path(url).expanduser())


class _LocalWriter(AtomicFile):
    """An upload or output written under a temporary name and renamed into place on commit (core.files)."""

    def __init__(self, target: Path):
        super().__init__(target, hint="The server's storage may be full; try again later.")

    def error(self, exc: OSError) -> OutputError:
        return OutputError(f"Could not store {self.target.name}: {exc.strerror or exc}", hint=self.hint)

    def abort(self) -> None:
        super().abort()
        with suppress(OSError):  # the folder made for this file, unless something else is in it
            self.target.parent.rmdir()


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidOption(f"Storage key '{key}' leaves the storage folder.")
        return path

    def writer(self, key: str) -> _LocalWriter:
        return _LocalWriter(self._path(key))

    def put_file(self, key: str, path: Path) -> None:
        writer = self.writer(key)
        try:
            with open(path, "rb") as source:
                shutil.copyfileobj(source, writer.handle, 1 << 20)
        except OSError as exc:
            writer.abort()
            raise OutputError(f"Could not store {path.name}: {exc.strerror or exc}",
                              hint="The server's storage may be full; try again later.") from None
        writer.commit()

    def fetch(self, key: str, folder: Path) -> Path:
        return self._path(key)

    def read_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def write_bytes(self, key: str, data: bytes) -> None:
        writer = self.writer(key)
        writer.write(data)
        writer.commit()

    def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix)
        if path != self.root:
            shutil.rmtree(path, ignore_errors=True)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def locate(self, key: str) -> Path | str:
        return self._path(key)

    def delete_partial(self, before: float) -> int:
        stale = [path for path in self.root.rglob(".*.part") if path.stat().st_mtime < before]
        for path in stale:
            path.unlink(missing_ok=True)
            with suppress(OSError):  # the folder made for it, if nothing else is in it
                path.parent.rmdir()
        return len(stale)


def _response_headers(key: str, prefix: str = "") -> dict[str, str]:
    """Passive type and attachment disposition, stored with each object (and asked for again when presigning)."""
    name = key.rsplit("/", 1)[-1]
    return {f"{prefix}ContentType": passive_content_type(name), f"{prefix}ContentDisposition": content_disposition(name)}


def parse_s3_url(url: str) -> tuple[str, str]:
    """(bucket, prefix without slashes) from s3://bucket/prefix."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise InvalidOption(f"'{url}' is not an s3://bucket/prefix URL.")
    return parsed.netloc, parsed.path.strip("/")


def s3_client():
    import boto3

    return boto3.client("s3")


class _S3Writer:
    """Streams into an S3 multipart upload, one part per PART_SIZE bytes."""

    def __init__(self, client, bucket: str, key: str):
        self.client, self.bucket, self.key = client, bucket, key
        self.upload_id = client.create_multipart_upload(Bucket=bucket, Key=key, **_response_headers(key))["UploadId"]
        self.buffer = bytearray()
        self.parts: list[dict] = []

    def write(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= PART_SIZE:
            self._send(bytes(self.buffer[:PART_SIZE]))
            del self.buffer[:PART_SIZE]

    def _send(self, body: bytes) -> None:
        number = len(self.parts) + 1
        response = self.client.upload_part(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                           PartNumber=number, Body=body)
        self.parts.append({"PartNumber": number, "ETag": response["ETag"]})

    def commit(self) -> None:
        if self.buffer or not self.parts:
            self._send(bytes(self.buffer))
            self.buffer.clear()
        self.client.complete_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                              MultipartUpload={"Parts": self.parts})

    def abort(self) -> None:
        self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


class S3Storage:
    def __init__(self, url: str):
        self.bucket, self.prefix = parse_s3_url(url)
        self.client = s3_client()

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def writer(self, key: str) -> _S3Writer:
        return _S3Writer(self.client, self.bucket, self._key(key))

    def put_file(self, key: str, path: Path) -> None:
        self.client.upload_file(str(path), self.bucket, self._key(key), ExtraArgs=_response_headers(key))

    def fetch(self, key: str, folder: Path) -> Path:
        target = folder / Path(key).name
        self.client.download_file(self.bucket, self._key(key), str(target))
        return target

    def read_bytes(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def write_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **_response_headers(key))

    def delete_prefix(self, prefix: str) -> None:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix).rstrip("/") + "/"):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError:
            return False
        return True

    def locate(self, key: str) -> Path | str:
        params = {"Bucket": self.bucket, "Key": self._key(key), **_response_headers(key, "Response")}
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=3600)

    def delete_partial(self, before: float) -> int:
        prefix = f"{self.prefix}/" if self.prefix else ""
        response = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=prefix)
        stale = [u for u in response.get("Uploads", []) if u["Initiated"].timestamp() < before]
        for upload in stale:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        return len(stale)


def safe_filename(name: str, fallback: str = "upload") -> str:
    """The last path component of a client-given name, without control or shell-hostile characters or leading dots."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip(" .")
    return name[:200] or fallback


PASSIVE_TYPES = {
    ".srt": "application/x-subrip", ".vtt": "text/vtt; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".json": "application/json", ".ass": "text/x-ssa; charset=utf-8", ".rttm": "text/plain; charset=utf-8",
}


def passive_content_type(name: str) -> str:
    """A content type no browser executes: subtitles and text as such, audio/video as guessed, the rest as bytes."""
    suffix = Path(name).suffix.lower()
    if suffix in PASSIVE_TYPES:
        return PASSIVE_TYPES[suffix]
    guessed = mimetypes.guess_type(name)[0] or ""
    return guessed if guessed.startswith(("audio/", "video/")) else "application/octet-stream"


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """RFC 6266 header value with an ASCII fallback and the UTF-8 name."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
