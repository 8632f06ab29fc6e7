"""A command-line process's start: one BLAS thread, and numpy's tools deferred before the
statistics load.

:func:`one_blas_thread_per_process` runs first in every command (it imports nothing).

scipy.special, which gives every p-value here, imports scipy's array-API layer, and that walks
numpy's namespace, importing numpy.f2py (with charset_normalizer) and numpy.testing: 65 ms of each
study's start, for two modules nothing here uses. :func:`defer_numpy_tools` makes them lazy, with
the standard library's recipe (:class:`importlib.util.LazyLoader`): whoever uses them later gets
them, loaded then. The command line calls it; a library import does not, because on Python 3.11 a
lazy module's first load is not safe from two threads at once, and a host process's threads may
use numpy.testing.
"""

from __future__ import annotations

import importlib.util
import os
import sys

NUMPY_TOOLS = ("f2py", "testing")


def one_blas_thread_per_process() -> None:
    """One BLAS thread for the whole process, unless the environment says otherwise, set before
    numpy loads. The engine's products are small and run with one thread anyway (threadpoolctl,
    ``stats.study.one_blas_thread``); OpenBLAS would still start a thread per core at import, whose
    spinning takes CPU from pandas' CSV parse and the chunk workers (about 0.2 s of a 10,000-event
    study's 2.1-2.3 s)."""
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


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
