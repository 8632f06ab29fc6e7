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
:mod:`eventstudy.pipeline` and :mod:`eventstudy.claims`; for data, :class:`PriceStore`,
:func:`read_price_file` and :mod:`eventstudy.refresh`.
"""

from .errors import DataError, FetchError, UserError
from .events import Claim, Event, load_events
from .importers import read_price_file
from .models import MODELS
from .securities import Registry, Security, load_registry
from .store import PriceStore
from .study import EventStudy, StudyResult
from .windows import DateWindow, Estimation, Window, parse_window

__all__ = [
    "MODELS",
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
