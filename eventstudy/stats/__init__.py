"""Statistics: windows, returns, normal-return models, the vectorized engine, the test battery and
the Python API (:class:`~eventstudy.stats.study.EventStudy`). Never imports :mod:`eventstudy.data`."""

from __future__ import annotations

import importlib.util
import sys

import numpy


def _lazy_numpy_submodule(name: str) -> None:
    """``numpy.<name>`` loaded on its first use instead of now (the standard library's recipe,
    :class:`importlib.util.LazyLoader`); a no-op once it is loaded.

    scipy.special, which gives every p-value here, imports scipy's array-API layer, and that walks
    numpy's namespace, importing numpy.f2py (with charset_normalizer) and numpy.testing: 65 ms of
    each study's start, a tenth of a 10,000-event study's time on top of the parse, for two modules
    nothing here uses. Whoever uses them later gets them, loaded then."""
    full = f"numpy.{name}"
    if full in sys.modules or name in vars(numpy):
        return
    spec = importlib.util.find_spec(full)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    spec.loader.exec_module(module)
    # The import system binds a submodule on its package when it loads it; numpy's own lazy
    # __getattr__ would otherwise import it again (and recurse on this half-made module).
    setattr(numpy, name, module)


for _name in ("f2py", "testing"):
    _lazy_numpy_submodule(_name)
