"""Figures (issue 24): result.plot() returns matplotlib Figures drawn with Agg, never a GUI, and
`--figures DIR` writes PNG and PDF files that hold a figure (checked by their pixels), byte-identical
from run to run; matplotlib loads only when a figure is made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from chen_siems import STUDY_ARGS, files, result
from clirun import run_cli

from eventstudy.errors import UserError
from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window


def _small_result(n: int = 6):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    dates = pd.bdate_range("2024-01-01", periods=200)
    cols = [f"S{i}" for i in range(n)]
    data = pd.DataFrame(rng.normal(0, 0.01, (200, n + 1)), index=dates, columns=[*cols, "MKT"])
    events = pd.DataFrame({"symbol": cols, "date": [dates[150 + i % 3] for i in range(n)]})
    return EventStudy(data, events, market="MKT", estimation=Estimation(Window(-100, -11)),
                      window=Window(-5, 5)).fit()


def ink_and_colours(png: Path) -> tuple[float, int]:
    """Share of pixels that are not the background, and the number of distinct colours."""
    from matplotlib import image

    px = image.imread(png)[..., :3]
    flat = (px.reshape(-1, 3) * 255).round().astype(np.uint8)
    ink = float(np.mean(np.any(flat < 245, axis=1)))
    return ink, len(np.unique(flat, axis=0))


@pytest.mark.parametrize("kind", ["car", "ar", "securities", "distribution"])
def test_every_kind_is_a_figure_and_draws_into_given_axes(kind: str) -> None:
    from matplotlib.figure import Figure

    res = _small_result()
    fig = res.plot(kind)
    assert isinstance(fig, Figure) and fig.axes and fig.axes[0].has_data()
    mine = Figure()
    ax = mine.add_subplot()
    assert res.plot(kind, ax=ax) is mine and ax.has_data()


def test_no_gui_backend_and_no_pyplot_state() -> None:
    code = ("import numpy as np, pandas as pd, sys\n"
            "sys.path.insert(0, 'tests')\n"
            "from test_figures import _small_result\n"
            "fig = _small_result().plot()\n"
            "print('matplotlib.pyplot' in sys.modules, type(fig.canvas).__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1], env={"MPLBACKEND": "qtagg", "PATH": ""})
    assert done.stdout.split() == ["False", "FigureCanvasBase"], done.stdout + done.stderr


def test_names_label_the_securities() -> None:
    res = _small_result(3)
    fig = res.plot("securities", names={"S0": "Zero Corp"})
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "Zero Corp" and "S1" in labels
    fig = res.plot("distribution", names={"S0": "Zero Corp"})
    assert "Zero Corp" in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_user_mistakes_are_one_line_errors() -> None:
    res = _small_result(3)
    with pytest.raises(UserError, match="unknown figure kind 'pie'"):
        res.plot("pie")
    with pytest.raises(UserError, match=r"no CAR window \[0,\+9\].*its CAR windows"):
        res.plot("distribution", window=Window(0, 9))


def test_a_single_security_gets_its_own_car_and_ar(tmp_path: Path) -> None:
    res = _small_result(1)
    from eventstudy.stats.plots import write_figures

    paths = write_figures(res, tmp_path, ("png",))
    assert [p.name for p in paths] == ["car.png", "ar.png"]


def test_the_car_band_is_the_deciding_test_s() -> None:
    """At a tested CAR window that starts with the event window, the band excludes zero exactly when
    the table's deciding statistic has p < 0.05."""
    from eventstudy.stats import plots

    rng = np.random.default_rng(2)
    dates = pd.bdate_range("2024-01-01", periods=200)
    data = pd.DataFrame(rng.normal(0, 0.01, (200, 9)), index=dates, columns=[*(f"S{i}" for i in range(8)), "MKT"])
    data.iloc[150, :8] += 0.03
    events = pd.DataFrame({"symbol": [f"S{i}" for i in range(8)], "date": [dates[150]] * 8})
    res = EventStudy(data, events, market="MKT", estimation=Estimation(Window(-100, -11)), window=Window(-2, 2),
                     cars=[Window(-2, 0), Window(-2, 2)]).fit()
    days, mean, half, stat = plots._car_path(res)
    for label, d in (("[-2,0]", 0), ("[-2,+2]", 2)):
        lead = res.lead_statistic(label)
        assert lead is not None and stat == lead["statistic"]
        k = int(np.flatnonzero(days == d)[0])
        assert mean[k] == pytest.approx(lead["mean"], abs=1e-12)
        assert (abs(mean[k]) > half[k]) == (lead["p_value"] < 0.05)


def test_a_study_without_figures_loads_neither_matplotlib_nor_statsmodels(tmp_path: Path) -> None:
    code = """
import sys
import numpy as np, pandas as pd
dates = pd.bdate_range("2024-01-01", periods=300)
frame = pd.DataFrame(np.random.default_rng(1).normal(0, 0.01, (300, 3)), index=dates, columns=["A", "B", "MKT"])
frame.index.name = "date"
frame.to_csv("r.csv")
pd.DataFrame({"name": ["A", "B"], "when": [dates[280].date()] * 2}).to_csv("e.csv", index=False)
from eventstudy import cli
cli.main(["study", "--returns", "r.csv", "--events", "e.csv", "--market", "MKT", "--out", "o"])
print("LOADED", [m for m in ("matplotlib", "statsmodels", "patsy") if m in sys.modules])
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.strip().splitlines()[-1] == "LOADED []", done.stdout + done.stderr


def test_bad_figure_options_are_refused_before_any_work(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(["study", "--returns", "r.csv", "--events", "e.csv", "--figures", str(tmp_path / "f"),
                            "--figure-format", "png,jpg", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and err.count("\n") == 1 and "unknown figure format 'jpg'" in err
    code, _, err = run_cli(["study", "--returns", "r.csv", "--events", "e.csv", "--figures", str(tmp_path / "o"),
                            "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "--figures and --out must be separate folders" in err


@pytest.mark.shared
def test_chen_siems_plot_returns_a_figure(peers_dir: Path) -> None:
    from matplotlib.figure import Figure

    assert isinstance(result(peers_dir).plot(), Figure)


@pytest.mark.shared
def test_study_figures_are_png_and_pdf_with_ink(peers_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    returns, events = files(peers_dir)
    args = ["study", "--returns", str(returns), "--events", str(events), *STUDY_ARGS, "--out", str(tmp_path / "o"),
            "--figures", str(tmp_path / "f")]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "f").iterdir() if not p.name.startswith("."))
    assert names == sorted(f"{s}.{x}" for s in ("car", "ar", "securities", "distribution_0_10", "distribution_0_5")
                           for x in ("png", "pdf"))
    for png in (tmp_path / "f").glob("*.png"):
        from matplotlib import image

        h, w = image.imread(png).shape[:2]
        assert w >= 1000 and h >= 700, (png.name, w, h)  # 200 dpi: sharp on a slide
        ink, colours = ink_and_colours(png)
        assert 0.02 < ink < 0.5 and colours > 50, (png.name, ink, colours)  # neither blank nor a solid block
    for pdf in (tmp_path / "f").glob("*.pdf"):
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 5_000 and b"CreationDate" not in data
    # The same study again: the same bytes (no dates inside), the folder replaced whole.
    first = {p.name: p.read_bytes() for p in (tmp_path / "f").iterdir()}
    assert run_cli(args, capsys)[0] == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "f").iterdir()} == first


def test_run_writes_each_study_s_figures_beside_the_report(home: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from report_world import EV1, EV4, EV5, synthetic_store
    from synthetic import EVENTS_HEADER, SECURITIES

    synthetic_store(home)
    (tmp_path / "securities.csv").write_text(SECURITIES, encoding="utf-8")
    (tmp_path / "events.csv").write_text(EVENTS_HEADER + EV1 + EV4 + EV5, encoding="utf-8")
    code, out, err = run_cli(["--securities", str(tmp_path / "securities.csv"), "run", "--offline", "--events",
                              str(tmp_path / "events.csv"), "--out", str(tmp_path / "r"), "--figures",
                              str(tmp_path / "f"), "--figure-format", "png"], capsys)
    assert code == 0, err
    found = sorted(str(p.relative_to(tmp_path / "f")) for p in (tmp_path / "f").rglob("*.png"))
    # ev1's group (tech) gets all four kinds; a single security its own two; ev4 and ev5 share one study.
    assert "ev1/tech-securities.png" in found and "ev1/tech-distribution_0_0.png" in found
    assert "ev1/AAA-car.png" in found and "ev1/AAA-ar.png" in found and "ev1/AAA-securities.png" not in found
    assert "ev4/CCC-car.png" in found and not any(f.startswith("ev5/") for f in found)
    assert f"figure file(s) to {tmp_path / 'f'}/" in out
    for png in (tmp_path / "f").rglob("*.png"):
        ink, colours = ink_and_colours(png)
        assert 0.01 < ink < 0.6 and colours > 20, (png, ink, colours)


def test_registry_names_label_a_run_s_securities(tmp_path: Path) -> None:
    from report_world import EV1, synthetic_run

    from eventstudy.report.figures import write_run_figures

    run, _ = synthetic_run(tmp_path, EV1)
    sample = run.analyses[0].sample("tech")
    fig = sample.result.plot("securities", names={s.symbol: s.name for s in sample.securities})
    assert "Alpha | Corp" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert write_run_figures(run, tmp_path / "f", ("svg",))


def test_the_install_brings_matplotlib_and_statsmodels() -> None:
    """`pip install -e .` (no extra) installs both: they are run-time requirements, not the test extra's."""
    from importlib.metadata import requires

    plain = [r.split(";")[0].strip() for r in requires("eventstudy-claims") or [] if "extra ==" not in r]
    names = {r.split(">")[0].split("=")[0].split("<")[0].strip().lower() for r in plain}
    assert {"matplotlib", "statsmodels"} <= names
