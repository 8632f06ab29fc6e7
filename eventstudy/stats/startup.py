"""A command-line process's start: one BLAS thread, and the loaded modules kept out of the garbage
collector's way.

:func:`one_blas_thread_per_process` runs first in every command (it imports nothing); the commands
that compute make their heavy imports inside :func:`heavy_imports`.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator

# What OpenBLAS and MKL, numpy's usual BLAS, read for their thread count as they load.
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread_per_process() -> None:
    """One BLAS thread for the whole process, unless the environment says otherwise, set before
    numpy loads. The engine's products are small and run with one thread anyway
    (``stats.study.one_blas_thread``, through threadpoolctl); OpenBLAS would still start a thread
    per core at import, whose spinning takes CPU from pandas' CSV parse and the chunk workers."""
    for name in _BLAS_THREADS:
        os.environ.setdefault(name, "1")


@contextlib.contextmanager
def heavy_imports() -> Iterator[None]:
    """The block's imports (pandas, scipy, the statistics) with the cyclic garbage collector paused;
    then every object alive is frozen (``gc.freeze``).

    Why: the modules' functions, classes and constants (some 120,000 objects for a study) live as
    long as the process, so no collection can free one of them, yet every full collection walked
    them all again: 15-30 ms apiece, one during the imports, one while a 10,000-event study lays out
    its events, and one more at the interpreter's exit. With the younger generations' share, 0.15 s
    of that study's 1.3 s (the collector's own time there: 80 ms before, 10 ms after). Objects made
    later are collected as before, and a frozen object is still freed when its last reference
    goes. What freezing keeps is cyclic garbage already there: about 800 objects (0.2 MB) the
    imports leave, and, for ``refresh``, which loads the statistics after its fetch, any of the
    fetch's objects that later become unreachable cycles. :func:`release` undoes the freeze when a
    command returns to a host process that runs commands in-process (the tests)."""
    global _froze
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():  # a host that froze its own objects keeps its own scheme
            gc.freeze()
            _froze = True
        if paused:
            gc.enable()


_froze = False


def release() -> None:
    """Give the objects :func:`heavy_imports` froze back to the garbage collector (all of the
    permanent generation: a host that froze objects of its own meanwhile gets them back too)."""
    global _froze
    if _froze:
        gc.unfreeze()
        _froze = False
