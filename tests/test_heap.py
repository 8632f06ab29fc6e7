"""The chunked engine's heap policy: freed blocks kept for reuse, given back only when many are free."""

from __future__ import annotations

import numpy as np
import pytest

from eventstudy.stats import heap

glibc = pytest.mark.skipif(heap._glibc() is None or heap.free_heap() is None,
                           reason="glibc with mallinfo2 only (other C libraries are left as they are)")


@glibc
def test_settings_take_once() -> None:
    assert heap.reuse_freed_memory() is True
    assert heap.reuse_freed_memory() is True  # cached: set once per process


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096


@glibc
def test_release_only_above_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    heap.reuse_freed_memory()
    # Blocks below the mmap threshold come from the heap. Every other one freed leaves holes that
    # glibc's own trimming of the heap's top cannot give back: free memory the process still holds.
    blocks = [np.ones(2**20) for _ in range(40)]  # 40 blocks of 8 MB, touched
    del blocks[::2]
    free = heap.free_heap()
    assert free is not None and free >= 150 * 2**20
    held = _rss()
    monkeypatch.setattr(heap, "RELEASE_ABOVE", free + 2**30)
    assert heap.release_memory() is False  # below the threshold: kept for the next chunk's arrays
    assert _rss() > held - 2**20
    monkeypatch.setattr(heap, "RELEASE_ABOVE", 64 * 2**20)
    assert heap.release_memory() is True
    assert _rss() < held - 100 * 2**20  # the holes went back to the system
    assert all(b[0] == 1.0 for b in blocks)  # the blocks still held are untouched


def test_without_glibc_nothing_is_tuned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_glibc", lambda: None)
    assert heap.free_heap() is None
    assert heap.release_memory() is False
