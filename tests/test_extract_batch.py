"""Many articles through claims extract's batch path: across processes, the one-process results in
the articles' order; a bad file or aliases file is the user's one line before any work starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventstudy.errors import UserError
from eventstudy.news.extract.batch import PARALLEL_FROM, propose_files

TEXTS = [
    "Zhipu shares rose more than {n}% in one session on Monday.",
    "周一,中芯国际和华虹半导体股价分别上涨{n}%和9%。",
    "Le azioni di Cambricon sono salite del {n}% negli ultimi cinque giorni.",
    "Акции MiniMax в первый день торгов выросли на {n}%.",
    "Nothing about markets here, only {n} apples.",
]


def _articles(tmp_path: Path, n: int) -> list[Path]:
    paths = []
    for k in range(n):
        path = tmp_path / f"a{k:03d}.txt"
        path.write_text(TEXTS[k % len(TEXTS)].format(n=k % 40 + 2), encoding="utf-8")
        paths.append(path)
    return paths


def _rows(found: list) -> list:
    return [(a.source, a.language, [c.row() for c in a.claims], [u.row() for u in a.unknown]) for a in found]


def test_processes_give_the_one_process_results_in_order(tmp_path: Path) -> None:
    paths = _articles(tmp_path, PARALLEL_FROM + 6)
    one = propose_files(paths, jobs=1)
    two = propose_files(paths, jobs=2)
    assert _rows(two) == _rows(one)
    assert [a.source for a in two] == [str(p) for p in paths]
    assert sum(len(a.claims) for a in one) >= PARALLEL_FROM  # the comparison compares something


def test_a_bad_article_or_aliases_file_stops_the_batch_with_one_line(tmp_path: Path) -> None:
    paths = _articles(tmp_path, PARALLEL_FROM)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9 rose 5%".encode("latin-1"))
    with pytest.raises(UserError, match="not UTF-8"):
        propose_files([*paths, bad], jobs=2)
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias,target\nAcme,\n", encoding="utf-8")
    with pytest.raises(UserError, match="empty target"):
        propose_files(paths, jobs=2, aliases=str(aliases))
