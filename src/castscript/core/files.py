"""Atomic file writing, the one implementation: write beside the target, fsync, rename. A crash or a full disk
never leaves half a file under the final name."""

from __future__ import annotations

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


@contextmanager
def atomic_path(path: str | Path, hint: str = DISK_HINT) -> Iterator[Path]:
    """A temporary path beside ``path`` to write (by any means, e.g. ffmpeg); renamed onto ``path`` on success,
    removed on failure. An OSError becomes an OutputError naming ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.fchmod(fd, file_mode())  # mkstemp makes 0600, which the rename would keep
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"Could not write {path}: {exc.strerror or exc}", hint=hint) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


@contextmanager
def atomic_open(path: str | Path, hint: str = DISK_HINT) -> Iterator[BinaryIO]:
    """A binary file to stream into; flushed, fsynced and renamed onto ``path`` when the block ends without error."""
    with atomic_path(path, hint) as tmp, open(tmp, "wb") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` atomically."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_open(path) as handle:
        handle.write(data)
