"""glibc malloc settings for a run whose model stages allocate from several threads at once.

By default glibc gives each thread its own arena (up to 8 per core) and keeps freed blocks for reuse, so after ASR,
VAD and diarization have each had their peak the process holds the sum: two arenas let the stages reuse each other's
freed memory. Big blocks keep glibc's dynamic mmap threshold: mapping every block of 4 MiB and up directly (tried
before) made CTranslate2 fault its decoder buffers in afresh on every batch, 0.6 million extra page faults per
2 minutes of speech, +9 s of system time on 10 minutes (castscript's ASR 57.5 s of CPU against plain
faster-whisper's 50.2 s; with dynamic mapping 48.3 s). Variables the user sets (MALLOC_ARENA_MAX) win.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8
ARENAS = 2


def tune_malloc() -> bool:
    """Apply the settings (glibc only; elsewhere nothing happens); True when applied. Call before threads start."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    if "MALLOC_ARENA_MAX" not in os.environ:
        mallopt(M_ARENA_MAX, ARENAS)
    return True
