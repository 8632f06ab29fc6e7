"""Work on a sequence of items in threads or on a cluster, with the results in the items' order:
whatever the caller adds up is added in the same order as without threads, so the sums' floats
are the same."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

# Items worked on at once in threads, besides the one the caller is using.
WORKERS = 2
T = TypeVar("T")
R = TypeVar("R")


def in_order(submit: Callable[[T], Any], items: Iterable[T], in_flight: int) -> Iterator[tuple[Any, T]]:
    """Each item's result with the item, in order, keeping ``in_flight`` items submitted ahead of
    the one the caller uses: ``submit(item)`` starts one and gives a future (whose ``result()``
    waits for it), a thread pool's here, a distributed engine's in :mod:`eventstudy.stats.dataset`."""
    pending: deque[tuple[Any, T]] = deque()
    todo = iter(items)
    for item in itertools.islice(todo, max(in_flight, 1)):
        pending.append((submit(item), item))
    while pending:
        future, item = pending.popleft()
        result = future.result()
        del future  # a distributed engine lets a task's result go with its last future
        for nxt in itertools.islice(todo, 1):
            pending.append((submit(nxt), nxt))
        yield result, item


def threaded(items: Iterable[T], work: Callable[[T], R], workers: int, name: str) -> Iterator[tuple[R, T]]:
    """``work`` of each item, with the item, in order; up to ``workers`` items worked on in threads
    (named ``name``) while the caller uses the one before (none with ``workers=0``). For
    whole-array numpy work, which releases the GIL: other cores do it, at the cost of that many
    more items' arrays in memory."""
    if workers < 1:
        for item in items:
            yield work(item), item
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as pool:
        for result, item in in_order(lambda item: pool.submit(work, item), items, workers):
            yield result, item
            del result
