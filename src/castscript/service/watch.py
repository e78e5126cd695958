"""`castscript watch DIR|s3://bucket/prefix`: submit each new file to a castscript server once it stops growing.

A folder's files are uploaded; a bucket's objects are handed over as presigned URLs for the worker to download.
Each submission carries an Idempotency-Key made from the file's identity, so a restarted watcher never runs a file
twice.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from ..core.errors import CastscriptError, InputNotFound
from .schemas import JobOptions
from .storage import parse_s3_url, s3_client

log = logging.getLogger(__name__)

IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")
PRESIGNED_SECONDS = 7 * 86400


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    version: str
    """mtime or ETag: a changed file is a new file."""

    @property
    def identity(self) -> str:
        return hashlib.sha256(f"{self.name}\0{self.size}\0{self.version}".encode()).hexdigest()


class Source(Protocol):
    description: str

    def scan(self) -> dict[str, Entry]: ...
    def submit(self, client: ApiClient, entry: Entry, options: JobOptions) -> dict: ...


class ApiClient:
    """The few API calls the watcher needs, with the token on each."""

    def __init__(self, server: str, token: str):
        self.http = httpx.Client(base_url=server.rstrip("/"), headers={"Authorization": f"Bearer {token}"},
                                 timeout=httpx.Timeout(60.0, write=None))

    def _check(self, response: httpx.Response) -> dict:
        if response.is_error:
            try:
                body = response.json()
            except ValueError:
                body = {"message": response.text[:200]}
            raise CastscriptError(f"Server refused ({response.status_code}): {body.get('message')}", hint=body.get("hint"))
        return response.json()

    def upload(self, path: Path) -> dict:
        with path.open("rb") as handle:
            return self._check(self.http.post("/uploads", files={"file": (path.name, handle)}))

    def create_job(self, body: dict, idempotency_key: str) -> dict:
        return self._check(self.http.post("/jobs", json=body, headers={"Idempotency-Key": idempotency_key}))


class FolderSource:
    def __init__(self, folder: Path):
        if not folder.is_dir():
            raise InputNotFound(f"Watch folder {folder} does not exist.", hint="Create it or pass another folder.")
        self.folder = folder
        self.description = str(folder)

    def scan(self) -> dict[str, Entry]:
        entries = {}
        for path in self.folder.iterdir():
            if path.is_file() and not path.name.startswith(".") and not path.name.endswith(IGNORED_SUFFIXES):
                stat = path.stat()
                entries[path.name] = Entry(path.name, stat.st_size, str(stat.st_mtime_ns))
        return entries

    def submit(self, client: ApiClient, entry: Entry, options: JobOptions) -> dict:
        upload = client.upload(self.folder / entry.name)
        body = {"upload_id": upload["id"], "options": options.model_dump()}
        return client.create_job(body, entry.identity)


class BucketSource:
    def __init__(self, url: str):
        self.bucket, prefix = parse_s3_url(url)
        self.prefix = f"{prefix}/" if prefix else ""
        self.client = s3_client()
        self.description = url

    def scan(self) -> dict[str, Entry]:
        entries = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                name = item["Key"]
                if not name.endswith("/") and not name.rsplit("/", 1)[-1].startswith("."):
                    entries[name] = Entry(name, item["Size"], item["ETag"])
        return entries

    def submit(self, client: ApiClient, entry: Entry, options: JobOptions) -> dict:
        url = self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket, "Key": entry.name},
                                                 ExpiresIn=PRESIGNED_SECONDS)
        return client.create_job({"url": url, "options": options.model_dump()}, entry.identity)


def open_source(location: str) -> Source:
    return BucketSource(location) if location.startswith("s3://") else FolderSource(Path(location).expanduser())


class Watcher:
    """Polls a source and submits files unchanged over two polls; files there at start only with ``existing``."""

    def __init__(self, source: Source, client: ApiClient, options: JobOptions, existing: bool):
        self.source, self.client, self.options = source, client, options
        self.done: set[Entry] = set() if existing else set(source.scan().values())
        self.last_seen: dict[str, Entry] = {}

    def poll(self, report: Callable[[Entry, dict], None]) -> None:
        current = self.source.scan()
        for name, entry in current.items():
            if entry in self.done or self.last_seen.get(name) != entry:
                continue
            try:
                report(entry, self.source.submit(self.client, entry, self.options))
                self.done.add(entry)
            except (CastscriptError, httpx.HTTPError) as exc:
                log.warning("watch: %s not submitted (%s); retrying at the next poll", entry.name, exc)
        self.last_seen = current

    def run(self, interval: float, report: Callable[[Entry, dict], None]) -> None:
        while True:
            self.poll(report)
            time.sleep(interval)
