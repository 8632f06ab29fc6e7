"""The process's heap while the chunked engine runs: freed chunk memory reused, given back when large.

Each chunk allocates and frees the same arrays (a few MB each). glibc by default serves such
blocks from fresh ``mmap`` regions, or trims the freed heap top back to the system, so the next
chunk touches new pages: a page fault per 4 KB, about a third of a 10,000-event study's CPU time
went to faults (160,000 of them; 80,000 with the settings here, of which 57,000 are reading the
CSV). Here the blocks stay in the heap and are reused, and the heap is given back only once more
than :data:`RELEASE_ABOVE` of it lies free, which keeps a million-event study in bounded memory
while its per-event tables grow. Other C libraries than glibc: nothing to tune.
"""

from __future__ import annotations

import ctypes
import functools

# Free heap kept for reuse before it is given back to the system.
RELEASE_ABOVE = 128 * 2**20
# glibc's largest mmap threshold (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit): blocks below it come from
# the heap. Setting it (with the trim threshold) also stops glibc adjusting both as blocks are freed.
MMAP_THRESHOLD = 32 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


@functools.cache
def reuse_freed_memory() -> bool:
    """Keep freed blocks in the heap for the next chunk (once per process); whether it took."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(libc.mallopt(_M_TRIM_THRESHOLD,
                                                                                         RELEASE_ABOVE))


def free_heap() -> int | None:
    """Bytes free in the heap (all arenas), or None without glibc's ``mallinfo2`` (glibc < 2.33)."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return None
    return int(libc.mallinfo2().fordblks)


def release_memory() -> bool:
    """Give the free heap back to the system when more than :data:`RELEASE_ABOVE` of it is free
    (always, when that cannot be told); whether it did."""
    libc = _glibc()
    if libc is None:
        return False
    free = free_heap()
    if free is not None and free <= RELEASE_ABOVE:
        return False
    libc.malloc_trim(0)
    return True


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    if hasattr(libc, "mallinfo2"):
        libc.mallinfo2.restype = _Mallinfo2
    return libc
