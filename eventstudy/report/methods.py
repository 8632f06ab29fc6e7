"""The methods section: what was computed and how, with references, from the run's settings."""

from __future__ import annotations

from eventstudy.news.pipeline import Settings

MODEL_TEXT = {
    "constant-mean": "constant mean return: expected return = mean return over the estimation window",
    "market-adjusted": "market-adjusted: expected return = the benchmark's return (no estimation)",
    "market": "market model: OLS of the security's return on its benchmark's over the estimation window",
    "two-index": "two-index model: OLS on the benchmark and the sector index",
    "scholes-williams": "Scholes-Williams betas for non-synchronous trading",
    "dimson": "Dimson betas (lagged, contemporaneous and leading benchmark returns)",
    "ff3": "Fama-French three-factor model: OLS of the excess return over RF on Mkt-RF, SMB and HML",
    "carhart": "Carhart four-factor model: OLS of the excess return over RF on Mkt-RF, SMB, HML and momentum",
    "ff5": "Fama-French five-factor model: OLS of the excess return over RF on Mkt-RF, SMB, HML, RMW and CMA",
    "garch": ("market model with GARCH(1,1) errors (fitted by maximum likelihood with the arch package); each "
              "abnormal return standardised by its conditional variance forecast"),
}

REFERENCES = [
    "Boehmer, E., Musumeci, J. & Poulsen, A. B. (1991). Event-study methodology under conditions of "
    "event-induced variance. Journal of Financial Economics 30(2), 253-272.",
    "Brown, S. J. & Warner, J. B. (1980). Measuring security price performance. Journal of Financial "
    "Economics 8(3), 205-258.",
    "Brown, S. J. & Warner, J. B. (1985). Using daily stock returns: the case of event studies. Journal of "
    "Financial Economics 14(1), 3-31.",
    "Corrado, C. J. (1989). A nonparametric test for abnormal security-price performance in event studies. "
    "Journal of Financial Economics 23(2), 385-395.",
    "Cowan, A. R. (1992). Nonparametric event study tests. Review of Quantitative Finance and Accounting "
    "2(4), 343-358.",
    "Gelbach, J. B., Helland, E. & Klick, J. (2013). Valid inference in single-firm, single-event studies. "
    "American Law and Economics Review 15(2), 495-541.",
    "Kolari, J. W. & Pynnonen, S. (2010). Event study testing with cross-sectional correlation of abnormal "
    "returns. Review of Financial Studies 23(11), 3996-4025.",
    "Kolari, J. W. & Pynnonen, S. (2011). Nonparametric rank tests for event studies. Journal of Empirical "
    "Finance 18(5), 953-971.",
    "MacKinlay, A. C. (1997). Event studies in economics and finance. Journal of Economic Literature 35(1), "
    "13-39.",
    "Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price behavior: empirical "
    "tests. Journal of Accounting Research 14(2), 246-276.",
]


def _factor_text(st: Settings) -> str:
    if st.factors is None:
        return ""
    names = ", ".join(st.factors.attrs.get("sources", [])) or "the given factor frame"
    return (f" Factors from {names} (Kenneth French's data library, percent read as fractions); a session the "
            "factors lack is left out of the fit and has no abnormal return, counted in the event's note.")


def methods(st: Settings) -> list[tuple[str, list[str]]]:
    est = st.estimation
    cars = ", ".join(f"CAR{w.label}" for w in st.cars)
    return [
        ("Returns and models", [
            "Daily simple returns from adjusted closes, each security on its own exchange's sessions and "
            f"against its own benchmark; missing sessions: {st.missing!r}.",
            f"Normal-return model: {MODEL_TEXT.get(st.model, st.model)} (MacKinlay 1997)." + _factor_text(st),
            f"Estimation window {est.window.label} trading days relative to day 0, at least {est.min_days} valid "
            f"days; with fewer (fallback {st.fallback!r}): "
            + ("market-adjusted returns with the volatility of the valid estimation days plus the days after the "
               "event window (the model column says \"(fallback)\")." if st.fallback == "post-event" else
               "no substitute model: the requested model without test statistics, or no abnormal return."),
            "Abnormal return AR = return - expected return; its variance is the prediction-error variance, and "
            "a CAR's variance includes the estimation error of the model over the whole window (MacKinlay 1997).",
        ]),
        ("Windows and day 0", [
            f"Event window {st.window.label}; CAR windows {cars}; BHAR is the buy-and-hold return minus the "
            "buy-and-hold expected return over the same window.",
            "Day 0 is the first session of the security's exchange that closes after the announcement: a release "
            "before the open or during trading lands on that session, one after the close on the next session. "
            "When the time of day is unknown the announcement is placed at the start of its local date, so a "
            "release after that day's close shows on day +1 (inside every window that includes [0,+1]).",
        ]),
        ("Tests", [
            "One security: time-series t = AR (or CAR) / its standard deviation, Student's t with the estimation "
            "degrees of freedom (Brown & Warner 1980, 1985; MacKinlay 1997).",
            "Groups: cross-sectional t; Brown-Warner 1980 and 1985 (portfolio); Patell Z (Patell 1976); BMP "
            "(Boehmer, Musumeci & Poulsen 1991); Corrado rank (Corrado 1989); sign and generalized sign "
            "(Cowan 1992); Wilcoxon signed-rank; a calendar-aligned bootstrap "
            f"({st.bootstrap} resamples, seed {st.seed}).",
            "Members that share one calendar date have correlated abnormal returns, which inflates the usual "
            "statistics; the report then leads with the adjusted BMP and adjusted Patell (Kolari & Pynnonen "
            "2010), using the mean residual correlation r of the estimation window, and GRANK "
            "(Kolari & Pynnonen 2011). All p-values are two-sided.",
            "Claims: three statements each. Happened: the claim's own number (the raw day-0 return; the return "
            "from the offer price; the members' mean raw return, most of them moving the claimed way, with at least "
            "half the members priced). Unusual: the abnormal return by the test that leads (the SQ test of Gelbach, "
            "Helland & Klick 2013 for one security, the KP-adjusted BMP for a group), with the minimum detectable "
            "effect at 80% power. Attributable: no other event on the same securities and day 0, a known "
            "announcement time, clean prices. Verdict: cannot tell without data; not supported when the move did "
            "not happen, or happened and was not unusual although the test could have seen it; supported when all "
            "three hold; otherwise inconclusive, with the reason (docs/verdicts.md).",
        ]),
    ]
