"""A command-line process's start: one BLAS thread, numpy's tools deferred before the statistics
load, and the loaded modules kept out of the garbage collector's way.

:func:`one_blas_thread_per_process` runs first in every command (it imports nothing); the commands
that compute make their heavy imports inside :func:`heavy_imports`.

scipy.special, which gives every p-value here, imports scipy's array-API layer, and that walks
numpy's namespace, importing numpy.f2py (with charset_normalizer) and numpy.testing: 65 ms of each
study's start, for two modules nothing here uses. :func:`defer_numpy_tools` makes them lazy, with
the standard library's recipe (:class:`importlib.util.LazyLoader`): whoever uses them later gets
them, loaded then. The command line calls it; a library import does not, because on Python 3.11 a
lazy module's first load is not safe from two threads at once, and a host process's threads may
use numpy.testing.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import os
import sys
from collections.abc import Iterator

NUMPY_TOOLS = ("f2py", "testing")
# numpy's BLAS (its build configuration's name) and the variable that sets its threads at load
# (MKL's per-domain setting, when given, overrides its count).
_BLAS_THREADS = {"scipy-openblas": "OPENBLAS_NUM_THREADS", "openblas": "OPENBLAS_NUM_THREADS",
                 "mkl": "MKL_NUM_THREADS"}
_OVERRIDES = {"MKL_NUM_THREADS": "MKL_DOMAIN_NUM_THREADS"}


def one_blas_thread_per_process() -> None:
    """One BLAS thread for the whole process, unless the environment says otherwise, set before
    numpy loads. The engine's products are small and run with one thread anyway
    (``stats.study.one_blas_thread``: through threadpoolctl, unless :func:`blas_loaded_with_one_thread`);
    OpenBLAS would still start a thread per core at import, whose spinning takes CPU from pandas'
    CSV parse and the chunk workers (about 0.2 s of a 10,000-event study's 2.1-2.3 s)."""
    for name in dict.fromkeys(_BLAS_THREADS.values()):
        os.environ.setdefault(name, "1")


# The environment numpy's BLAS read when it loaded, taken only where :func:`heavy_imports` itself
# loaded numpy; None once a host may have changed the BLAS since (after :func:`release`).
_blas_env_at_load: dict[str, str | None] | None = None


def blas_loaded_with_one_thread() -> bool:
    """Whether numpy's BLAS is known to run one thread: :func:`heavy_imports` loaded numpy, in a
    command that has not returned to a host, with the variable that BLAS reads at 1 (the command
    line sets it first: :func:`one_blas_thread_per_process`). Then the engine need not ask
    threadpoolctl, whose scan of every loaded library takes 7-10 ms of a study's start once pandas,
    pyarrow and scipy are in; for another BLAS, numpy loaded by someone else, or a host's process,
    it is asked."""
    if _blas_env_at_load is None or "numpy" not in sys.modules:
        return False
    import numpy

    try:
        name = str(numpy.__config__.CONFIG["Build Dependencies"]["blas"]["name"]).lower()
    except (AttributeError, KeyError, TypeError):
        return False
    var = _BLAS_THREADS.get(name)
    if var is None or _blas_env_at_load.get(var) != "1":
        return False
    return _OVERRIDES.get(var) is None or _blas_env_at_load.get(_OVERRIDES[var]) is None


def defer_numpy_tools() -> None:
    """Make :data:`NUMPY_TOOLS` lazy unless they are loaded already (then nothing changes)."""
    import numpy

    for name in NUMPY_TOOLS:
        full = f"numpy.{name}"
        if full in sys.modules or name in vars(numpy):
            continue
        spec = importlib.util.find_spec(full)
        if spec is None or spec.loader is None:
            continue
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        spec.loader.exec_module(module)
        # The import system binds a submodule on its package when it loads it; numpy's own lazy
        # __getattr__ would otherwise import it again (and recurse on this half-made module).
        setattr(numpy, name, module)


@contextlib.contextmanager
def heavy_imports() -> Iterator[None]:
    """The block's imports (pandas, scipy, the statistics) with :func:`defer_numpy_tools` first and
    the cyclic garbage collector paused; then every object alive is frozen (``gc.freeze``).

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
    global _froze, _blas_env_at_load
    paused = gc.isenabled()
    gc.disable()
    try:
        if "numpy" not in sys.modules:  # what numpy's BLAS reads as it loads, next line
            names = {*_BLAS_THREADS.values(), *_OVERRIDES.values()}
            _blas_env_at_load = {name: os.environ.get(name) for name in names}
        defer_numpy_tools()  # it imports numpy
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
    permanent generation: a host that froze objects of its own meanwhile gets them back too), and
    forget what numpy's BLAS read at load: the host may change its threads from now on."""
    global _froze, _blas_env_at_load
    _blas_env_at_load = None
    if _froze:
        gc.unfreeze()
        _froze = False
