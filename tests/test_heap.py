"""The CLI's heap policy for the chunked engine: freed blocks kept for reuse, given back only when
many are free (glibc; other C libraries are left as they are)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from eventstudy.stats import heap

glibc = pytest.mark.skipif(heap._glibc() is None or heap.free_heap() is None,
                           reason="glibc with mallinfo2 only (other C libraries are left as they are)")

# In a fresh process: a 24 MB block (above glibc's starting mmap threshold, below the one set) gets
# its own mmap region unless the thresholds were set.
MAPPED = """
import sys
import numpy as np
from eventstudy.stats import heap
if sys.argv[1] == "set":
    assert heap.reuse_freed_memory()
libc = heap._glibc()
before = libc.mallinfo2().hblkhd
block = np.ones(3 * 2**20)
print(libc.mallinfo2().hblkhd - before)
"""


def _mapped_growth(mode: str, **env: str) -> int:
    done = subprocess.run([sys.executable, "-c", MAPPED, mode], capture_output=True, text=True, check=True,
                          env={**os.environ, **env})
    return int(done.stdout.split()[-1])


@glibc
def test_blocks_below_the_threshold_come_from_the_heap() -> None:
    assert _mapped_growth("default") >= 24 * 2**20  # glibc's default: a region of its own
    assert _mapped_growth("set") == 0  # from the heap, where the next chunk finds it again


@glibc
def test_the_environment_s_own_malloc_tuning_is_left_alone() -> None:
    code = "from eventstudy.stats import heap; print(heap.reuse_freed_memory())"
    for env in ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1000000"}, {"MALLOC_ARENA_MAX": "2"}):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, **env})
        assert done.stdout.split() == ["False"]


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@glibc
def test_release_only_above_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    heap.reuse_freed_memory()
    # Every other block freed leaves holes that glibc's own trimming of the heap's top cannot give
    # back: free memory the process still holds.
    blocks = [np.ones(2**19) for _ in range(40)]  # 40 blocks of 4 MB, touched
    del blocks[::2]
    free = heap.free_heap()
    assert free is not None and free >= 70 * 2**20
    held = _rss()
    monkeypatch.setattr(heap, "RELEASE_ABOVE", free + 2**30)
    assert heap.release_memory() is False  # below the threshold: kept for the next chunk's arrays
    assert _rss() > held - 2**20
    monkeypatch.setattr(heap, "RELEASE_ABOVE", 16 * 2**20)
    assert heap.release_memory() is True
    assert _rss() < held - 50 * 2**20  # the holes went back to the system
    assert all(b[0] == 1.0 for b in blocks)  # the blocks still held are untouched


def test_without_glibc_nothing_is_tuned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_glibc", lambda: None)
    assert heap.reuse_freed_memory.__wrapped__() is False
    assert heap.free_heap() is None
    assert heap.release_memory() is False
