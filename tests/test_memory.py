"""tune_malloc caps glibc's arenas (stages reuse each other's freed memory) and leaves big blocks to glibc's dynamic
mmap threshold (a freed decoder buffer is reused, not faulted in afresh)."""

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
def info():
    with tempfile.NamedTemporaryFile("r") as report:
        handle = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, ctypes.c_void_p(handle))
        libc.fclose(ctypes.c_void_p(handle))
        return report.read()
def mapped():
    return int(re.findall(r'<total type="mmap" count="(\d+)"', info())[-1])
before = mapped()
big = libc.malloc(8 << 20)  # above the initial 128 KiB threshold: mapped directly, and freeing it raises the threshold
libc.free(ctypes.c_void_p(big))
big = libc.malloc(8 << 20)  # so the same size again now comes from the heap
print(len(re.findall(r"<heap nr=", info())), mapped() - before)
"""


def malloc_state(mode: str) -> tuple[int, int]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True).stdout
    arenas, mapped = out.split()
    return int(arenas), int(mapped)


def test_tuned_process_uses_two_arenas_and_reuses_big_freed_blocks():
    tuned_arenas, tuned_mapped = malloc_state("tuned")
    default_arenas, _ = malloc_state("default")
    assert tuned_arenas <= 2 < default_arenas
    assert tuned_mapped == 0  # with a fixed 4 MiB threshold it is mapped again: 1
