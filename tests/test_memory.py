"""tune_malloc caps glibc's arenas, so memory freed by one model stage's threads is reused by the next."""

from __future__ import annotations

import subprocess
import sys

CHILD = r"""
import ctypes, ctypes.util, re, sys, tempfile, threading
from castscript.memory import tune_malloc
if sys.argv[1] == "tuned":
    assert tune_malloc()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.fopen.restype = ctypes.c_void_p
start = threading.Barrier(8)
def allocate():
    start.wait()  # all threads allocate at the same moment: glibc hands out extra arenas under contention
    blocks = [libc.malloc(1000) for _ in range(20000)]
    for block in blocks:
        libc.free(ctypes.c_void_p(block))
threads = [threading.Thread(target=allocate) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
with tempfile.NamedTemporaryFile("r") as report:
    handle = libc.fopen(report.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(handle))
    libc.fclose(ctypes.c_void_p(handle))
    print(len(re.findall(r"<heap nr=", report.read())))
"""


def arenas(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True).stdout
    return int(out)


def test_tuned_process_uses_at_most_two_arenas():
    assert arenas("tuned") <= 2 < arenas("default")
