"""Fit the claim extractor's confidence on the real-news development set.

Usage (from the repository root, with ../shared beside it)::

    python benchmarks/calibrate_confidence.py            # fit, print the calibration, write the weights
    python benchmarks/calibrate_confidence.py --check    # fit and compare with the shipped weights only

Every proposal the extractor makes on ../shared/data/news-dev is scored right or wrong by the set's
own rules (benchmarks/score_news_dev.py). A logistic regression of right/wrong on the evidence each
proposal carries (``ProposedClaim.evidence``: a name in the sentence, a market word, a stated
horizon, ...) gives each piece of evidence its log-odds; they are written to
eventstudy/data/confidence_weights.csv, which eventstudy/news/extract/confidence.py reads. The fit is
ridge-penalised (statsmodels ``GLM(Binomial).fit_regularized``, ``L1_wt=0``): evidence seen only
with right proposals would otherwise get an infinite weight. The table printed beside it is
cross-validated (each item's proposals scored by a fit without that item), so the figure quoted in
README is not the fit's own data scored by itself.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score_news_dev import DEV, Item, Proposal, load, match

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = REPO / "eventstudy" / "data" / "confidence_weights.csv"
ALPHA = 1.0  # the ridge penalty (in observations): 1, 3 and 10 tried; 1 keeps >= 0.8 at 90% right cross-validated
FLOORS = (0.5, 0.6, 0.7, 0.8, 0.9)
REDUNDANT = frozenset({"anaphor", "horizon:unstated", "kind:session_return"})


def observations(items: list[Item]) -> list[tuple[str, tuple[str, ...], bool]]:
    """(item id, evidence, right?) for every distinct proposal."""
    from eventstudy.news.extract.article import propose

    out = []
    for it in items:
        found = propose(it.text, source=it.id, date=it.date)
        evidence: dict[int, tuple[str, ...]] = {}
        seen = set()
        for c in found.claims:
            p = Proposal(c.target, c.kind, c.op.startswith(">"), round(c.threshold * 100, 6), c.confidence, c.quote)
            key = (p.target, p.kind, p.rising, p.percent)
            if key not in seen:
                seen.add(key)
                it.proposals.append(p)
                evidence[id(p)] = c.evidence
        right, wrong, _ = match(it)
        out += [(it.id, evidence[id(p)], True) for p, _ in right]
        out += [(it.id, evidence[id(p)], False) for p in wrong]
    return out


def fit(obs: list[tuple[str, tuple[str, ...], bool]], names: list[str]) -> dict[str, float]:
    import statsmodels.api as sm

    x = np.array([[1.0] + [float(n in ev) for n in names] for _, ev, _ in obs])
    y = np.array([float(ok) for *_, ok in obs])
    alpha = np.full(x.shape[1], ALPHA / len(y))
    alpha[0] = 0.0  # the intercept is not penalised
    res = sm.GLM(y, x, family=sm.families.Binomial()).fit_regularized(alpha=alpha, L1_wt=0.0)
    params = np.asarray(res.params)
    return {"intercept": float(params[0]), **{n: float(w) for n, w in zip(names, params[1:], strict=True)}}


def calibration(scored: list[tuple[float, bool]]) -> list[tuple[float, int, int]]:
    return [(f, sum(ok for c, ok in scored if c >= f - 1e-9), sum(1 for c, _ in scored if c >= f - 1e-9))
            for f in FLOORS]


def main(argv: list[str] | None = None) -> int:
    from eventstudy.news.extract.confidence import confidence

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped weights, write nothing")
    args = ap.parse_args(argv)
    if not DEV.exists():
        print(f"{DEV} is absent", file=sys.stderr)
        return 1
    obs = observations(load())
    # "anaphor" is "not named", and horizon:unstated and kind:session_return are what is left: with the
    # intercept they would make the design singular
    names = sorted({e for _, ev, _ in obs for e in ev} - REDUNDANT)
    weights = fit(obs, names)
    pages = sorted({i for i, _, _ in obs})
    folds = {p: k % 10 for k, p in enumerate(pages)}  # ten folds of whole items
    held_out: list[tuple[float, bool]] = []
    for k in range(10):
        train = [o for o in obs if folds[o[0]] != k]
        w = fit(train, names)
        held_out += [(confidence(ev, w), ok) for i, ev, ok in obs if folds[i] == k]
    in_sample = [(confidence(ev, weights), ok) for _, ev, ok in obs]
    print(f"{len(obs)} proposals, {sum(ok for *_, ok in obs)} right; evidence: {', '.join(names)}\n")
    print("| confidence at least | right (in sample) | right (10-fold cross-validated) |\n|---|---|---|")
    for (f, a, n), (_, b, m) in zip(calibration(in_sample), calibration(held_out), strict=True):
        print(f"| {f:.1f} | {a / n if n else float('nan'):.3f} ({a}/{n}) | "
              f"{b / m if m else float('nan'):.3f} ({b}/{m}) |")
    print("\n| evidence | weight (log-odds) |\n|---|---|")
    for n, w in weights.items():
        print(f"| {n} | {w:+.3f} |")
    if args.check:
        with open(WEIGHTS, encoding="utf-8", newline="") as fh:
            shipped = {r["evidence"]: float(r["weight"]) for r in csv.DictReader(fh)}
        same = shipped.keys() == weights.keys() and all(abs(shipped[k] - weights[k]) < 1e-3 for k in weights)
        print("\nshipped weights", "match the fit" if same else "differ from the fit: rerun without --check")
        return 0 if same else 1
    with open(WEIGHTS, "w", encoding="utf-8", newline="") as fh:
        w_ = csv.writer(fh, lineterminator="\n")
        w_.writerow(["evidence", "weight"])
        for n, w in weights.items():
            w_.writerow([n, f"{w:.4f}"])
    print(f"\nwrote {WEIGHTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
