"""The cause rule's error rates and inconclusive rates, measured on synthetic panels (issue 22 item 3),
written into docs/verdicts.md between its error-rates markers.

    .venv/bin/python docs/error_rates.py           # writes the table (one to two minutes)
    .venv/bin/python docs/error_rates.py --check   # exits 1 with a diff when docs/verdicts.md differs

The simulation is tests/test_rule_error_rates.py's (imported from there, so the table and the tests
cannot drift apart), with more replications; everything is seeded, so the file is the same on
every run.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "verdicts.md"
START, END = "<!-- error-rates:start (docs/error_rates.py writes this) -->", "<!-- error-rates:end -->"
COMMAND = ".venv/bin/python docs/error_rates.py"

sys.path.insert(0, str(REPO / "tests"))
import test_rule_error_rates as sim  # noqa: E402  (the tests folder is not a package)

SINGLE_REPS = 10_000
GROUP_REPS = 2_000


def _pct(x: float) -> str:
    return f"{x:.1%}" if x == 0 or x >= 0.995 else f"{x:.2%}"


def _share(rates: sim.Rates, share: float) -> str:
    return f"{_pct(share)} ± {100 * rates.se(share):.2f}"


def _error(rates: sim.Rates, which: str) -> str:
    """The asserted error rate of a row against the tests' bound, or blank where none is asserted."""
    share = rates.yes if which == "yes" else rates.no
    bound = sim.share_bound(rates.n)
    verdict = "within" if share <= bound else "**over**"
    return f"P({which}) {_pct(share)}: {verdict} ({_pct(bound)})"


def _claim(claim: tuple[str, float]) -> str:
    op, threshold = claim
    return f"{op} {threshold:.0%}"


def _row(case: str, claim: tuple[str, float], effect: float, rates: sim.Rates, checks: list[str]) -> str:
    cells = [case, _claim(claim), f"{effect:.0%}" if effect else "none", f"{rates.n:,}",
             _share(rates, rates.yes), _share(rates, rates.no), _share(rates, rates.unclear),
             "; ".join(_error(rates, c) for c in checks)]
    return "| " + " | ".join(cells) + " |"


HEAD = ("| case | claim | true effect | replications | cause = yes | cause = no | unclear | error rate vs bound |\n"
        "|---|---|---|---:|---:|---:|---:|---|")


def single_rows(factor: float) -> list[str]:
    rows = []
    size = sim.answers.claimed_size(*sim.SINGLE_CLAIM)
    for days in sim.SINGLE_DAYS:
        rates = sim.simulate_single(days, SINGLE_REPS, factor=factor)
        case = f"one stock, {days} estimation days"
        for scenario, effect, which in ((sim.NO_EFFECT, 0.0, "yes"), (sim.EFFECT, size, "no")):
            checks = [which] if (which, factor) in sim.SINGLE_ASSERTED else []
            rows.append(_row(case, sim.SINGLE_CLAIM, effect, rates[scenario], checks) if checks else
                        _row(case, sim.SINGLE_CLAIM, effect, rates[scenario], []).rstrip(" |")
                        + " | not asserted: a wider day-0 spread means the event moved this stock |")
    return rows


def group_rows(factor: float) -> list[str]:
    rows = []
    for n in sim.GROUP_SIZES:
        rates = sim.simulate_group(n, GROUP_REPS, factor=factor)
        case = f"group of {n}, {sim.GROUP_DAYS} estimation days"
        for claim, scenario in sim.GROUP_CASES:
            size = sim.answers.claimed_size(*claim)
            effect = size if scenario == sim.EFFECT else 0.0
            # Asserted: yes with no effect; no with a true effect of the claimed size (for the rally
            # claim, whose size is zero, both on the no-effect panels).
            checks = (["yes"] if scenario == sim.NO_EFFECT else []) + (["no"] if effect == size else [])
            rows.append(_row(case, claim, effect, rates[claim, scenario], checks))
    return rows


def render() -> str:
    s = sim
    lines = [
        f"Made by `{COMMAND}` (seeded: the same table on every run; `--check` compares). The simulation "
        "is tests/test_rule_error_rates.py's, whose docstring has the details; the quick and slow tests "
        "there assert the same bounds with fewer replications.",
        "",
        "**Panels.** Daily returns: a market with sd "
        f"{_pct(s.MARKET_SD)} plus, for each stock (beta 1), non-market noise with sd {_pct(s.SD)}; every "
        f"random term is Student t with {s.DF} degrees of freedom scaled to its sd. Event-induced variance: "
        f"on day 0 the non-market noise is multiplied by {s.EVENT_SD_FACTOR} (sd {_pct(s.EVENT_SD_FACTOR * s.SD)}). "
        "A group's null keeps it (a zero mean across members whose own effects vary, Boehmer, Musumeci & "
        "Poulsen 1991); for one stock a wider day-0 spread is itself the event moving that stock (by an "
        "amount of random sign), so its null is asserted without it and its true effect with and without it. "
        "Groups: the non-market noise is a common factor "
        f"plus the member's own, residual cross-correlation r = {s.R}, all members on one date, one date per "
        "replication. The study is the pipeline's: market model, estimation window [-L-10, -11] "
        f"(L = {', '.join(map(str, s.SINGLE_DAYS))} for one stock, {s.GROUP_DAYS} for groups), event window "
        f"{s.WINDOW.label}; pseudo-events never overlap another's estimation window.",
        "",
        f"**Claims.** One stock: \"more than {s.SINGLE_CLAIM[1]:.0%}\" ({s.SINGLE_CLAIM[1] / s.SD:.1f} daily sds). "
        f"Groups: a rally \"{_claim(s.GROUP_CLAIMS[0])}\" (claimed size zero, so no effect is also the claimed size) "
        f"and \"{_claim(s.GROUP_CLAIMS[1])}\". A true effect is the claimed size added to every day-0 return.",
        "",
        "**Rule.** `answers.single` (SQ test, interval from the estimation ARs' quantiles) or `answers.group` "
        "(KP-adjusted BMP with the estimated residual correlation; GRANK, from a `fit()` of the date's "
        "members, wherever the answer would otherwise be `no`), then `answers.cause` with a known time and no "
        "confounder.",
        "",
        "Shares are of replications, ± one Monte Carlo standard error in percentage points. The error rates "
        "asserted are P(yes | no effect) and P(no | a true effect of the claimed size), each against "
        "5% + 2.5 standard errors at 5% (the bound in brackets).",
        "",
        f"### Event-day sd x{s.EVENT_SD_FACTOR}",
        "",
        HEAD,
        *single_rows(s.EVENT_SD_FACTOR),
        *group_rows(s.EVENT_SD_FACTOR),
        "",
        "### One stock without event-induced variance (event-day sd x1)",
        "",
        "The same panels with the day-0 noise as on any other day: no event at all, or an event that only "
        "shifts the mean.",
        "",
        HEAD,
        *single_rows(1.0),
        "",
    ]
    return "\n".join(lines)


def spliced(doc: str, body: str) -> str:
    if START not in doc or END not in doc:
        raise SystemExit(f"{OUT}: the markers {START!r} and {END!r} are missing")
    head, rest = doc.split(START, 1)
    return f"{head}{START}\n{body.rstrip()}\n{END}{rest.split(END, 1)[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with docs/verdicts.md instead of writing it")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    old = OUT.read_text(encoding="utf-8")
    text = spliced(old, render())
    took = time.perf_counter() - started
    if args.check:
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True),
                                                       "docs/verdicts.md", "regenerated"))
            print(f"docs/verdicts.md's error rates are out of date (run {COMMAND})", file=sys.stderr)
            return 1
        print(f"docs/verdicts.md's error rates are up to date ({took:.0f} s)")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote the error rates into {OUT.relative_to(REPO)} ({took:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
