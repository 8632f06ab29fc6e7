"""`eventstudy study` and `eventstudy calendar-time`: event studies on any wide data set."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eventstudy import atomic, console
from eventstudy.cli.base import (
    _check_figures,
    _check_out,
    _check_windows,
    _fallback_option,
    _figure_format_option,
    _figure_formats,
    _figures_option,
    _publish,
    cli,
)
from eventstudy.errors import UserError
from eventstudy.stats import startup  # numpy-free: the process's start, before any statistics

if TYPE_CHECKING:
    import pandas as pd


def _read_wide(path: str, what: str) -> pd.DataFrame:
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise UserError(f"no such file: {path}", field=what)
    try:
        frame = pd.read_csv(p, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise UserError(f"cannot read CSV: {exc}", file=path) from None
    if frame.shape[1] < 2:
        raise UserError("expected a date column and at least one series column", file=path, line=1)
    date_col = frame.columns[0]
    dates = pd.to_datetime(frame[date_col], errors="coerce", format="mixed")
    bad = dates.isna()
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise UserError(f"cannot read date {frame[date_col].iloc[i]!r}", file=path, line=i + 2, field=str(date_col),
                        hint="write dates as YYYY-MM-DD")
    frame = frame.drop(columns=date_col)
    frame.index = pd.DatetimeIndex(dates, name="date")
    # The dtypes, not the columns: taking 2,000 columns one by one costs 30 ms of a 10k-event study.
    for c, dtype in frame.dtypes.items():
        if not pd.api.types.is_numeric_dtype(dtype):
            num = pd.to_numeric(frame[c], errors="coerce")
            i = int((num.isna() & frame[c].notna()).to_numpy().argmax())
            raise UserError(f"not a number: {frame[c].iloc[i]!r}", file=path, line=i + 2, field=str(c))
    if frame.index.has_duplicates:
        d = frame.index[frame.index.duplicated()][0]
        raise UserError(f"duplicate date {d.date()}", file=path, field=str(date_col))
    return frame.sort_index()


def _is_long(path: str, layout: str, what: str) -> bool:
    """Whether the data file is long (symbol, date, value per row): by --layout, else by its header."""
    if layout != "auto":
        return layout == "long"
    if what == "--volume":
        return False
    from eventstudy.data.long_format import looks_long

    return looks_long(path)


def _read_long(path: str, what: str, prices: bool, events: pd.DataFrame, market: str | None, sector: str | None,
               estimation: Any, window: Any, fallback: str, event_day: str,
               on_cluster: bool) -> tuple[pd.DataFrame | None, Any]:
    """Long data: the reader, and (in one process) the wide frame of the securities and dates the
    events need, read with those as filters (on a cluster the tasks read it: no frame here)."""
    import pandas as pd

    from eventstudy.data.long_format import open_long
    from eventstudy.stats import dataset

    reader = open_long(path, "prices" if prices else "returns", what)
    if on_cluster:
        return None, reader
    extra = [s for s in (market, sector) if s and not Path(s).is_file()]
    symbols = [str(s) for s in events["symbol"].tolist()]
    frame, read = dataset.read_frame(reader, symbols, pd.DatetimeIndex(events["date"]), extra, event_day,
                                     dataset.reach(estimation, window, fallback))
    click.echo(f"{read.text()} from {path}", err=True)
    return frame, reader


def _read_events(path: str) -> pd.DataFrame:
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise UserError(f"no such file: {path}", field="--events")
    try:
        ev = pd.read_csv(p, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise UserError("the events file is empty", file=path, line=1, field="symbol",
                        hint="the events file needs columns symbol,date") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text (byte {exc.start})", file=path, line=1, field="symbol",
                        hint="save the file as UTF-8 CSV") from None
    except pd.errors.ParserError as exc:
        raise UserError(f"cannot read CSV: {str(exc).strip().splitlines()[0]}", file=path) from None
    from eventstudy.stats.event_columns import standard

    ev = standard(ev)  # name,when,id as the API reads them
    missing = [c for c in ("symbol", "date") if c not in ev.columns]
    if missing:
        raise UserError(f"missing column(s) {', '.join(missing)}", file=path, line=1,
                        hint="the events file needs columns symbol,date (extra columns are allowed)")
    dates = pd.to_datetime(ev["date"], errors="coerce", format="%Y-%m-%d")
    if dates.isna().any():
        i = int(dates.isna().to_numpy().argmax())
        raise UserError(f"cannot read date {ev['date'].iloc[i]!r}", file=path, line=i + 2, field="date",
                        hint="write dates as YYYY-MM-DD")
    ev["date"] = dates
    if ev.empty:
        raise UserError("no events in the file", file=path, line=2, field="symbol", hint="add rows symbol,date")
    return ev


def _check_returns(data: pd.DataFrame, path: str, percent: bool) -> None:
    """Returns that are really prices, or percentages without --percent, say what was probably meant."""
    import warnings

    import numpy as np

    # All columns at once first (a column at a time through pandas is a second per 2,000 series);
    # the messages come from the per-column loop, from the first suspect column on.
    from eventstudy.stats.counts import count_true

    signed = data.to_numpy(dtype=float)
    count = len(signed) - count_true(np.isnan(signed), 0)
    # Only whether the median passes a threshold matters: a column with fewer than half of its values
    # beyond the lower one cannot, so the (slow) NaN-aware median, and the share of positive values
    # that matters only beside a median above 1.5, are taken of the other columns only.
    low = 1.5 if percent else 0.2
    med = np.zeros(signed.shape[1])
    positive = np.zeros(signed.shape[1])
    maybe = count_true(signed > low, 0) + count_true(signed < -low, 0) >= count // 2
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column's median
        if maybe.any():
            med[maybe] = np.nanmedian(np.abs(signed[:, maybe]), axis=0)
            positive[maybe] = count_true(signed[:, maybe] > 0, 0) / np.maximum(count[maybe], 1)
    suspect = (count >= 5) & (((positive > 0.99) & (med > 1.5)) | ((not percent) & (med > 0.2)))
    if not suspect.any():
        return
    for col in data.columns[int(np.argmax(suspect)):]:
        values = data[col].dropna()
        if len(values) < 5:
            continue
        median_abs = float(values.abs().median())
        row = int(np.flatnonzero(data.index == values.abs().idxmax())[0]) + 2
        if (values > 0).mean() > 0.99 and median_abs > 1.5:
            raise UserError(f"these look like prices, not returns (all positive, median {values.median():.4g})",
                            file=path, line=row, field=str(col), hint="pass the file with --prices instead")
        if not percent and median_abs > 0.2:
            raise UserError(f"a median daily move of {median_abs:.0%} as a fraction; these look like percentages",
                            file=path, line=row, field=str(col),
                            hint="add --percent if 1.5 means 1.5%")


def _series_option(spec: str | None, data: pd.DataFrame | None, what: str) -> pd.Series | str | None:
    """A column of the data file, or a second file whose first series is used."""
    if spec is None:
        return None
    if data is None:  # long data on a cluster: a file, else a symbol of the dataset (its tasks check it)
        if Path(spec).is_file():
            other = _read_wide(spec, what)
            return other.iloc[:, 0].rename(str(other.columns[0]))
        return spec
    if spec in data.columns:
        return spec
    if Path(spec).is_file():
        other = _read_wide(spec, what)
        return other.iloc[:, 0].rename(str(other.columns[0]))
    raise UserError(f"{spec!r} is neither a column of the data file nor a file", field=what,
                    hint=f"columns: {', '.join(map(str, data.columns[:12]))}")


def _check_measure(measure: str, returns_path: str | None, prices_path: str | None, volume_path: str | None) -> None:
    """Which data file each measure reads: volumes for volume, returns or prices otherwise."""
    if measure == "volume":
        if not volume_path or returns_path or prices_path:
            raise UserError("--measure volume reads --volume FILE (and neither --returns nor --prices)",
                            field="--volume", hint="give --volume FILE, a wide CSV of volumes laid out like --prices")
        return
    if volume_path:
        raise UserError(f"--volume is for --measure volume, not {measure}", field="--volume",
                        hint="add --measure volume, or drop --volume")
    if bool(returns_path) == bool(prices_path):
        raise UserError("give exactly one of --returns and --prices")


def _factor_option(model: str, paths: Sequence[str]) -> pd.DataFrame | None:
    """The --factors files as one factor frame for a factor model; refused for the others."""
    from eventstudy.stats.models import FACTOR_MODELS

    if model not in FACTOR_MODELS:
        if paths:
            raise UserError(f"--factors is for the factor models, not --model {model}", field="--factors",
                            hint=f"add --model {' | '.join(FACTOR_MODELS)}, or drop --factors")
        return None
    from eventstudy.data.french import combine
    from eventstudy.stats.factor_model import needs

    if not paths:
        raise UserError(f"--model {model} needs --factors FILE", field="--factors",
                        hint="Kenneth French's daily file as published, e.g. F-F_Research_Data_Factors_daily.CSV")
    return combine(paths, needs(model))


# The wide data files of `study` and `calendar-time` (one of the two).
_returns_option = click.option("--returns", "returns_path", type=click.Path(dir_okay=False),
                               help="Wide CSV of returns (date, series...).")
_prices_option = click.option("--prices", "prices_path", type=click.Path(dir_okay=False),
                              help="Wide CSV of prices (date, series...).")


@cli.command("study")
@click.option("--returns", "returns_path", type=click.Path(),
              help="Returns: a wide CSV (date, series...), or long data (symbol,date,return) as a CSV or Parquet "
              "file or a dataset folder (hive-partitioned by security or year, say).")
@click.option("--prices", "prices_path", type=click.Path(),
              help="Prices: a wide CSV (date, series...), or long data (symbol,date,close) like --returns.")
@click.option("--layout", "layout", default="auto", show_default=True, type=click.Choice(["auto", "wide", "long"]),
              help="Layout of --returns/--prices: long has a symbol, a date and a value column; auto tells them "
              "apart by the header (folders and Parquet are long).")
@click.option("--scheduler", "scheduler", metavar="ADDRESS",
              help="Run on a Dask cluster: local:N starts N worker processes here, or a running scheduler's "
              "address (tcp://HOST:8786). Each task reads its own securities from the long dataset; needs "
              "pip install 'eventstudy-claims[scale]'.")
@click.option("--events", "events_path", required=True, type=click.Path(dir_okay=False),
              help="CSV with columns symbol,date (extra columns allowed; event_id optional).")
@click.option("--market", help="Market: a column of the data file, or a CSV file (first series).")
@click.option("--sector", help="Sector index for the two-index model: a column or a CSV file.")
@click.option("--model", default="market", show_default=True,
              type=click.Choice(["constant-mean", "market-adjusted", "market", "two-index", "scholes-williams",
                                 "dimson", "ff3", "carhart", "ff5", "garch"]))
@click.option("--measure", default="returns", show_default=True, type=click.Choice(["returns", "volume", "volatility"]),
              help="What is abnormal: returns; log volume (--volume FILE; --model constant-mean or market); "
              "volatility (the variance ratio of each event window, written to volatility.csv).")
@click.option("--volume", "volume_path", type=click.Path(dir_okay=False),
              help="Wide CSV of volumes (date, series...), laid out like --prices, for --measure volume.")
@click.option("--factors", "factor_paths", multiple=True, type=click.Path(dir_okay=False),
              help="Kenneth French factor CSV as published, for ff3/carhart/ff5 (repeatable: research factors "
              "plus momentum).")
@click.option("--estimation", default="-250:-11", show_default=True,
              help="Estimation window: trading days A:B or dates YYYY-MM-DD:YYYY-MM-DD.")
@click.option("--min-estimation", default=30, show_default=True, help="Fewest valid estimation days.")
@click.option("--window", default="-5:5", show_default=True, help="Event window: trading days A:B or dates.")
@click.option("--car", "cars", multiple=True, help="CAR window A:B in trading days (repeatable; default 0:0 -1:1 0:5).")
@click.option("--event-day", default="previous", show_default=True, type=click.Choice(["previous", "next", "skip"]),
              help="Day 0 when the event date is not a trading day of the series.")
@click.option("--log-returns", is_flag=True, help="Returns are (or are computed as) log returns.")
@click.option("--percent", is_flag=True, help="--returns (and a market file) are in percent; results are fractions.")
@click.option("--missing", default="drop", show_default=True, type=click.Choice(["drop", "span"]),
              help="With --prices: drop the return after a gap, or compute it across the gap.")
@click.option("--convention", default="textbook", show_default=True, type=click.Choice(["textbook", "estudy2"]),
              help="Variance conventions: textbook (MacKinlay) or estudy2's, for parity checks.")
@_fallback_option
@click.option("--bootstrap", default=2000, show_default=True, type=click.IntRange(min=0),
              help="Bootstrap draws (seeded).")
@click.option("--seed", default=0, show_default=True)
@click.option("--out", default="study-output", show_default=True, type=click.Path(file_okay=False),
              help="Folder for ar.csv, car.csv, tests.csv, estimates.csv: new, empty or a previous study's "
              "output (it is replaced as a whole).")
@click.option("--tables", "tables", default="ar,car,tests,estimates", show_default=True, metavar="LIST",
              help="Which of the four CSVs to write, comma-separated: leave out ar (a row per event and day, "
              "3.3 GB at a million events) when the CARs and tests are what you need.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None, hidden=True,
              help="Events per chunk of the chunked engine (default: sized for about 48 MB of panels per chunk).")
@_figures_option
@_figure_format_option
@click.option("--regress", "formula", metavar="FORMULA",
              help='Cross-sectional regression of the first --car window\'s CARs, e.g. "car ~ size + leverage" '
                   "(bhar and scar also name measures); writes regression.csv and regression.txt to --out.")
@click.option("--characteristics", "characteristics", type=click.Path(dir_okay=False),
              help="CSV of firm characteristics for --regress: symbol (and event_id) then one column per variable.")
@click.option("--cov-type", "cov_type", default="HC3", show_default=True,
              type=click.Choice(["nonrobust", "HC0", "HC1", "HC2", "HC3"]), help="Covariance of --regress.")
@click.option("--cluster", "cluster", metavar="date|COLUMN",
              help="Cluster-robust --regress by day 0 (date) or a column of the characteristics.")
def study_cmd(returns_path: str | None, prices_path: str | None, events_path: str, market: str | None,
              sector: str | None, model: str, measure: str, volume_path: str | None, factor_paths: Sequence[str],
              estimation: str, min_estimation: int,
              window: str,
              cars: Sequence[str], event_day: str, log_returns: bool, percent: bool, missing: str, convention: str,
              fallback: str, bootstrap: int, seed: int, out: str, chunk_size: int | None, figures: str | None,
              figure_format: str, formula: str | None, characteristics: str | None, cov_type: str,
              cluster: str | None, layout: str = "auto", scheduler: str | None = None,
              tables: str = "ar,car,tests,estimates") -> None:
    """An event study on any data set: wide or long returns or prices, events as symbol,date."""
    with startup.heavy_imports():
        import pandas as pd

        from eventstudy.stats.study import EventStudy, csv_files
        from eventstudy.stats.windows import Estimation, parse_relative, parse_window

    table_names = [t.strip() for t in tables.split(",") if t.strip()]
    try:
        written_csv = csv_files(table_names)
    except UserError as exc:
        raise UserError(exc.message, field="--tables", hint=exc.hint) from None
    _check_measure(measure, returns_path, prices_path, volume_path)
    est_window = parse_window(estimation, what="--estimation")
    event_window = parse_window(window, what="--window")
    _check_windows(est_window, event_window, min_estimation)
    inputs = (returns_path, prices_path, volume_path, events_path, market, sector, characteristics, *factor_paths)
    out_dir = _check_out(out, "study", inputs=inputs)
    formats = _figure_formats(figures, figure_format)
    figures_dir = _check_figures(figures, out_dir, inputs)
    regression = _regression_inputs(formula, characteristics, cluster)
    factors = _factor_option(model, factor_paths)
    data_path = returns_path or prices_path or volume_path or ""
    what = "--returns" if returns_path else "--prices" if prices_path else "--volume"
    long = _is_long(data_path, layout, what)
    if scheduler is not None:
        from eventstudy.cli import cluster as dask_cluster

        dask_cluster.parse(scheduler)
        dask_cluster.check_installed()
        if not long:
            raise UserError("a cluster's tasks read long data (symbol,date,return or close), not a wide file",
                            file=data_path, field="--scheduler",
                            hint="give a long CSV or Parquet file or dataset folder, or drop --scheduler")
        if figures:
            # the per-day abnormal returns of a cluster run stay in ar.csv, never in the client's memory
            raise UserError("--figures draws from the per-day abnormal returns, which a cluster run keeps in "
                            "ar.csv only", field="--figures",
                            hint="run the study in one process for figures, or drop --figures")
    reader = None
    if long:
        events = _read_events(events_path)
        data, reader = _read_long(data_path, what, prices_path is not None, events, market, sector, est_window,
                                  event_window, fallback, event_day, scheduler is not None)
    else:
        data = _read_wide(data_path, what)
        events = _read_events(events_path)
    if data is not None:
        columns = set(data.columns)  # a set lookup per event: pandas' isin takes ten times as long
        i = next((k for k, sym in enumerate(events["symbol"].tolist()) if sym not in columns), None)
        if i is not None:
            raise UserError(f"no series {events['symbol'].iloc[i]!r} in the data file", file=events_path,
                            line=i + 2, field="symbol", hint=f"columns: {', '.join(map(str, data.columns[:12]))}")
        if returns_path:
            _check_returns(data, returns_path, percent)
    mkt = _series_option(market, data, "--market")
    sec = _series_option(sector, data, "--sector")
    if percent and prices_path:
        raise UserError("--percent applies to --returns, not to --prices", field="--percent")
    if percent:
        data = data / 100 if data is not None else None
        mkt = mkt / 100 if isinstance(mkt, pd.Series) else mkt
        sec = sec / 100 if isinstance(sec, pd.Series) else sec
    kwargs: dict[str, Any] = dict(
        model=model,
        estimation=Estimation(est_window, min_days=min_estimation),
        window=event_window,
        cars=[parse_relative(c, what="--car") for c in cars] or None,
        event_day=event_day, fallback=fallback, convention=convention, bootstrap=bootstrap, seed=seed,
        factors=factors, measure=measure,
    )
    if data is None:  # on a cluster: the tasks read the dataset
        from eventstudy.stats.dataset import DatasetReturns

        source = DatasetReturns(reader, prices=prices_path is not None, missing=missing,
                                divisor=100 if percent else None)
        st = EventStudy(source, events, market=mkt, sector=sec, log_returns=log_returns, **kwargs)  # type: ignore[arg-type]
    elif returns_path or volume_path:
        st = EventStudy(data, events, market=mkt, sector=sec, log_returns=log_returns, **kwargs)  # type: ignore[arg-type]
    else:
        st = EventStudy.from_prices(
            data, events, market=data[mkt] if isinstance(mkt, str) else mkt,
            sector=data[sec] if isinstance(sec, str) else sec, missing=missing, log_returns=log_returns, **kwargs,
        )
    # Bounded memory for any number of events; the four CSVs written as the study goes, into a
    # new generation of the folder that replaces the old one in one switch.
    vol_lines: list[str] = []

    def fill(staged: Path) -> Any:
        fitted = st.fit_chunked(chunk_size, csv_dir=staged, client=client, tables=table_names)
        if measure == "volatility":
            from eventstudy.stats.measures import volatility_summary, volatility_table

            table = volatility_table(fitted.output)
            atomic.write_csv(table, staged / "volatility.csv", index=False)
            vol_lines.append(volatility_summary(table))
        if regression is not None:  # in the same generation: the CSVs and the regression switch in together
            _write_regression(fitted, regression, cov_type, cluster, staged)
        return fitted

    client = None
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            from eventstudy.cli import cluster as dask_cluster

            with console.working(f"starting {scheduler}" if scheduler.startswith("local:") else
                                 f"connecting to {scheduler}"):
                client = stack.enter_context(dask_cluster.connect(scheduler))
        with console.working(f"studying {len(events)} event(s)"):
            result = _publish(out_dir, fill, "study")
    click.echo(result.summary())
    for line in vol_lines:
        click.echo(line)
    written = [*written_csv, *(("volatility.csv",) if measure == "volatility" else ()),
               *(("regression.csv", "regression.txt") if regression is not None else ())]
    click.echo(f"wrote {', '.join(written)} to {console.folder(out)}")
    if figures_dir is not None:
        from eventstudy.stats.plots import write_figures

        drawn = _publish(figures_dir, lambda staged: write_figures(result, staged, formats), "figures")
        click.echo(f"wrote {len(drawn)} figure file(s) to {console.folder(str(figures))}")


def _regression_inputs(formula: str | None, characteristics: str | None,
                       cluster: str | None) -> tuple[str, pd.DataFrame] | None:
    """--regress and --characteristics, read and checked before the study runs."""
    if formula is None:
        if characteristics or cluster:
            raise UserError("--characteristics and --cluster go with --regress", field="--regress",
                            hint='add --regress "car ~ VARIABLE"')
        return None
    from eventstudy.stats.regression import check_formula, read_characteristics

    if not characteristics:
        raise UserError("--regress needs --characteristics FILE", field="--characteristics",
                        hint="a CSV with a symbol column and one column per variable")
    return check_formula(formula), read_characteristics(characteristics)


def _write_regression(result: Any, regression: tuple[str, pd.DataFrame], cov_type: str, cluster: str | None,
                      folder: Path) -> None:
    """regression.csv and regression.txt into ``folder``; events left out are named on stderr too."""
    import warnings

    from eventstudy.stats import regression as reg

    formula, data = regression
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", reg.RegressionWarning)
        fitted = reg.regress(result, formula, data, cov_type=cov_type, cluster=cluster)
    for w in caught:
        if issubclass(w.category, reg.RegressionWarning):
            click.echo(f"note: regression: {w.message}", err=True)
    atomic.write_csv(reg.coefficients(fitted), folder / "regression.csv", index=False)
    atomic.write_text(folder / "regression.txt", reg.summary_text(fitted, formula))


@cli.command("calendar-time")
@_returns_option
@_prices_option
@click.option("--events", "events_path", required=True, type=click.Path(dir_okay=False),
              help="CSV with columns symbol,date (and the --weights column).")
@click.option("--factors", "factor_paths", multiple=True, required=True, type=click.Path(dir_okay=False),
              help="Kenneth French factor CSV as published (repeatable: research factors plus momentum).")
@click.option("--model", default="ff3", show_default=True, type=click.Choice(["capm", "ff3", "carhart", "ff5"]))
@click.option("--holding", default="0:250", show_default=True, help="Holding window A:B, trading days from day 0.")
@click.option("--weights", help="A column of the events file (a market value, say): adds a value-weighted portfolio.")
@click.option("--lags", type=click.IntRange(min=0), help="Newey-West lags (default floor(4 (T/100)^(2/9))).")
@click.option("--event-day", default="previous", show_default=True, type=click.Choice(["previous", "next", "skip"]))
@click.option("--percent", is_flag=True, help="--returns are in percent.")
@click.option("--min-securities", default=1, show_default=True, type=click.IntRange(min=1),
              help="Fewest securities held for a day to enter the regression.")
@click.option("--out", default="calendar-time-output", show_default=True, type=click.Path(file_okay=False),
              help="Folder for portfolio.csv and alpha.csv (replaced as a whole).")
def calendar_time_cmd(returns_path: str | None, prices_path: str | None, events_path: str,
                      factor_paths: Sequence[str], model: str, holding: str, weights: str | None, lags: int | None,
                      event_day: str, percent: bool, min_securities: int, out: str) -> None:
    """Calendar-time portfolios: alpha of the securities in their holding window, Newey-West t."""
    with startup.heavy_imports():
        import pandas as pd

        from eventstudy.data.french import combine
        from eventstudy.stats.calendar_time import MODELS, CalendarTime
        from eventstudy.stats.returns import to_returns
        from eventstudy.stats.windows import parse_relative

    if bool(returns_path) == bool(prices_path):
        raise UserError("give exactly one of --returns and --prices")
    window = parse_relative(holding, what="--holding")
    out_dir = _check_out(out, "calendar-time", inputs=(returns_path, prices_path, events_path, *factor_paths))
    factors = combine(factor_paths, (*MODELS[model], "RF"))
    data = _read_wide(returns_path or prices_path or "", "--returns" if returns_path else "--prices")
    events = _read_events(events_path)
    if returns_path:
        _check_returns(data, returns_path, percent)
        data = data / 100 if percent else data
    else:
        data = pd.DataFrame({c: to_returns(data[c].dropna()) for c in data.columns}).reindex(data.index)
    ct = CalendarTime(data, events, factors, model=model, holding=window, weights=weights, lags=lags,
                      event_day=event_day, min_securities=min_securities)

    def fill(staged: Path) -> Any:
        done = ct.fit()
        atomic.write_csv(done.portfolio, staged / "portfolio.csv", index=False)
        atomic.write_csv(done.regressions, staged / "alpha.csv", index=False)
        return done

    result = _publish(out_dir, fill, "calendar-time")
    click.echo(f"Calendar-time portfolios, {model}, holding {window.label}:")
    click.echo(result.summary())
    click.echo(f"wrote portfolio.csv, alpha.csv to {console.folder(out)}")
