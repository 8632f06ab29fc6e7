"""Many articles at once: read in this process (a bad file stops the batch with its own line before
any work starts), proposed across worker processes when there are enough of them to pay for the
workers' start (each imports the package and compiles the word lists, about half a second).

The results are the one-process results, in the articles' order: each article is read on its own.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from eventstudy.news.extract.article import ArticleClaims, propose, read_article
from eventstudy.news.extract.lexicon import AliasTable, load_aliases

# Below this many articles one process is faster than starting workers.
PARALLEL_FROM = 64

_table: AliasTable | None = None  # a worker's alias table, loaded once by its initializer


def _start_worker(aliases: str | None) -> None:
    global _table
    _table = load_aliases(aliases)


def _one(job: tuple[str, str, dt.date | None]) -> ArticleClaims:
    source, text, date = job
    return propose(text, source=source, date=date, aliases=_table)


def default_jobs() -> int:
    """The processes this machine lends us (the CPUs of our affinity mask, at most 8)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


def propose_files(paths: Sequence[str | Path], *, date: dt.date | None = None, aliases: str | None = None,
                  jobs: int | None = None) -> list[ArticleClaims]:
    """The claims of every article in ``paths``, in order; ``jobs`` processes (default: the CPUs)."""
    load_aliases(aliases)  # a bad aliases file is the user's one line here, not a broken worker
    texts = [(str(p), read_article(p), date) for p in paths]
    n_jobs = default_jobs() if jobs is None else max(1, jobs)
    if n_jobs == 1 or len(texts) < PARALLEL_FROM:
        _start_worker(aliases)
        return [_one(t) for t in texts]
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, len(texts) // (n_jobs * 8))
    with ProcessPoolExecutor(max_workers=n_jobs, initializer=_start_worker, initargs=(aliases,)) as pool:
        return list(pool.map(_one, texts, chunksize=chunk))
