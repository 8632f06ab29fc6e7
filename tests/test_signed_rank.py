"""signed_rank (the battery's Wilcoxon without an array of ranks) against the ranks' path."""

import numpy as np
import pytest

from eventstudy.stats.ranks import row_ranks
from eventstudy.stats.signed_rank import signed_rank, wilcoxon_p


def by_ranks(x: np.ndarray) -> tuple[float, float, int] | None:
    d = x[x != 0]
    if not len(d):
        return None
    ranks = row_ranks(np.abs(d)[None, :])[0]
    return float(ranks[d > 0].sum()), wilcoxon_p(d, ranks), len(d)


@pytest.mark.parametrize("n", [0, 1, 5, 13, 14, 50, 51, 60, 1_000, 20_000])
@pytest.mark.parametrize("kind", ["plain", "ties", "zeros", "integers", "shifted"])
def test_signed_rank_is_the_ranks_path(n: int, kind: str) -> None:
    rng = np.random.default_rng(n)
    for _ in range(5):
        x = rng.standard_normal(n)
        if kind == "ties":
            x = np.round(x, 1)
        elif kind == "zeros":
            x = np.round(x, 2)
            x[rng.random(n) < 0.2] = 0
        elif kind == "integers":
            x = np.round(3 * x)
        elif kind == "shifted":
            x = x + 0.3
        assert signed_rank(x) == by_ranks(x)  # the same floats: W+, p and n


def test_signed_rank_blocks_and_cross_sign_ties(monkeypatch: pytest.MonkeyPatch) -> None:
    from eventstudy.stats import signed_rank as module

    monkeypatch.setattr(module, "_LOOKUPS", 7)  # many blocks
    rng = np.random.default_rng(1)
    x = rng.standard_normal(500)
    x[:50] = -x[50:100]  # magnitudes shared across the signs
    assert signed_rank(x) == by_ranks(x)
    x = np.round(x, 1)
    assert signed_rank(x) == by_ranks(x)
