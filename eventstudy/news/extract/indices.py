"""Which targets are indices: an index neither lists nor has an offer price, and a broad index
moving 10% or more is a period's move (no registry index has ever moved that much in one session
since 2008, and a headline figure that size is a rally's or a crash's total)."""

from __future__ import annotations

import functools

from eventstudy.data.securities import default_registry

SESSION_LIMIT = 10.0  # percent: an index move this large with no horizon written is a period's


@functools.cache
def indices() -> frozenset[str]:
    return frozenset(s.symbol for s in default_registry() if s.is_index)


def is_index(target: str) -> bool:
    return target in indices()
