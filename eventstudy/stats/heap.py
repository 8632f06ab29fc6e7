"""The process's heap under the chunked engine: freed chunk memory reused, given back when large.

Each chunk allocates and frees the same arrays (a few MB each). glibc by default serves such
blocks from fresh ``mmap`` regions, or trims the freed heap top back to the system, so the next
chunk touches new pages: a page fault per 4 KB. A 10,000-event ``eventstudy study`` took 160,000
faults, 0.5-0.8 s of system CPU; with :func:`reuse_freed_memory`, 82,000, of which 57,000 are
the imports and reading the CSV. :func:`release_memory` gives the heap back only once more than
:data:`RELEASE_ABOVE` of it lies free, which keeps a million-event study in bounded memory while
its per-event tables grow.

:func:`reuse_freed_memory` changes the whole process's allocator for good, so the command line
calls it, not the library; and it leaves glibc alone where the environment tunes it. Other C
libraries than glibc: nothing is tuned or trimmed.
"""

from __future__ import annotations

import ctypes
import functools
import os

# Free heap kept for reuse before it is given back to the system (glibc's count of free bytes
# includes each arena's top, so a trim may find some of it already given back).
RELEASE_ABOVE = 128 * 2**20
# glibc's largest mmap threshold (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit): blocks below it come from
# the heap. Setting it (with the trim threshold) also stops glibc adjusting both as blocks are freed.
MMAP_THRESHOLD = 32 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)
_USER_TUNING = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX")


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


@functools.cache
def reuse_freed_memory() -> bool:
    """Keep freed blocks in the heap for the next chunk (once per process); whether it took."""
    libc = _glibc()
    if libc is None or "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", "") or any(
            name in os.environ for name in _USER_TUNING):
        return False
    mmap_set = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    trim_set = libc.mallopt(_M_TRIM_THRESHOLD, RELEASE_ABOVE)
    return bool(mmap_set) and bool(trim_set)


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
