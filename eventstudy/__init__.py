"""eventstudy: market event studies that test news claims against prices.

The Python API (the CLI and the reports are thin layers over it)::

    import eventstudy as es

    study = es.EventStudy(returns, events, market="^GSPC", model="market",
                          estimation=es.Estimation(es.Window(-250, -11), min_days=30),
                          window=es.Window(-5, 5), cars=[es.Window(0, 0), es.Window(-1, 1)])
    result = study.fit()
    result.ar, result.car, result.tests, result.estimates   # tidy DataFrames
    print(result.summary())

``EventStudy.from_prices`` starts from prices instead of returns. For the news-claims workflow see
:mod:`eventstudy.news.pipeline` and :mod:`eventstudy.news.verdicts`; for data, :class:`PriceStore`,
:func:`read_price_file` and :mod:`eventstudy.data.refresh`.
"""

import importlib
from typing import TYPE_CHECKING, Any

# Imported on first use (PEP 562), so that `eventstudy --help` and light commands do not pay for
# pandas and scipy: `import eventstudy.cli` runs this file first.
_LAZY = {
    "read_price_file": "eventstudy.data.importers",
    "Registry": "eventstudy.data.securities",
    "Security": "eventstudy.data.securities",
    "load_registry": "eventstudy.data.securities",
    "PriceStore": "eventstudy.data.store",
    "DataError": "eventstudy.errors",
    "FetchError": "eventstudy.errors",
    "UserError": "eventstudy.errors",
    "Claim": "eventstudy.news.events",
    "Event": "eventstudy.news.events",
    "load_events": "eventstudy.news.events",
    "MODELS": "eventstudy.stats.models",
    "CalendarTime": "eventstudy.stats.calendar_time",
    "EventStudy": "eventstudy.stats.study",
    "StudyResult": "eventstudy.stats.study",
    "DateWindow": "eventstudy.stats.windows",
    "Estimation": "eventstudy.stats.windows",
    "Window": "eventstudy.stats.windows",
    "parse_window": "eventstudy.stats.windows",
}

if TYPE_CHECKING:
    from eventstudy.data.importers import read_price_file
    from eventstudy.data.securities import Registry, Security, load_registry
    from eventstudy.data.store import PriceStore
    from eventstudy.errors import DataError, FetchError, UserError
    from eventstudy.news.events import Claim, Event, load_events
    from eventstudy.stats.calendar_time import CalendarTime
    from eventstudy.stats.models import MODELS
    from eventstudy.stats.study import EventStudy, StudyResult
    from eventstudy.stats.windows import DateWindow, Estimation, Window, parse_window


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'eventstudy' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "MODELS",
    "CalendarTime",
    "Claim",
    "DataError",
    "DateWindow",
    "Estimation",
    "Event",
    "EventStudy",
    "FetchError",
    "PriceStore",
    "Registry",
    "Security",
    "StudyResult",
    "UserError",
    "Window",
    "load_events",
    "load_registry",
    "parse_window",
    "read_price_file",
]
