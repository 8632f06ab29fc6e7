"""A command-line process's start: the heavy imports kept out of the garbage collector's way
(:func:`heavy_imports`, which the commands that compute make their imports in).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


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
