"""Atomic file writing, the one implementation: write beside the target, fsync, rename. A crash or a full disk
never leaves half a file under the final name."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import OutputError

DISK_HINT = "Check free disk space and permissions."


def file_mode() -> int:
    """The mode ``open()`` gives a new file under the process's umask (0644 under the usual 022); read from
    /proc where it exists, since setting the umask to read it back races with other threads."""
    status = Path("/proc/self/status")
    lines = status.read_text().splitlines() if status.exists() else []
    mask = next((int(line.split()[1], 8) for line in lines if line.startswith("Umask:")), None)
    if mask is None:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


class AtomicFile:
    """A file written beside ``target`` under a temporary name: ``write`` (streaming), then ``commit`` (fsync and
    rename onto ``target``) or ``abort`` (remove). An OSError becomes an OutputError naming the target."""

    def __init__(self, target: str | Path, hint: str = DISK_HINT):
        self.target, self.hint = Path(target), hint
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part")
        os.fchmod(fd, file_mode())  # mkstemp makes 0600, which the rename would keep
        self.tmp = Path(tmp)
        self.handle: BinaryIO = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        try:
            self.handle.write(data)
        except OSError as exc:
            self.abort()
            raise self.error(exc) from None

    def commit(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self.tmp, self.target)
        except OSError as exc:
            self.abort()
            raise self.error(exc) from None

    def abort(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)

    def error(self, exc: OSError) -> OutputError:
        return OutputError(f"Could not write {self.target}: {exc.strerror or exc}", hint=self.hint)


@contextmanager
def atomic_path(path: str | Path, hint: str = DISK_HINT) -> Iterator[Path]:
    """A temporary path beside ``path`` to write by any means (ffmpeg, a download); renamed onto ``path`` when the
    block ends without error, removed otherwise. An OSError becomes an OutputError naming ``path``."""
    file = AtomicFile(path, hint)
    file.handle.close()
    try:
        yield file.tmp
        os.replace(file.tmp, file.target)
    except OSError as exc:
        raise file.error(exc) from None
    finally:
        file.tmp.unlink(missing_ok=True)


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` atomically."""
    file = AtomicFile(path)
    file.write(content.encode("utf-8") if isinstance(content, str) else content)
    file.commit()


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
