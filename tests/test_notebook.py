"""examples/notebook.py runs as it is shipped (Agg backend, figures into a temporary folder), so the
example cannot rot (issue 24)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.shared
def test_the_notebook_runs_offline_on_chen_and_siems(peers_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg", "EVENTSTUDY_SHARED": str(peers_dir.parents[1]),
           "EVENTSTUDY_NOTEBOOK_OUT": str(tmp_path / "figures")}
    done = subprocess.run([sys.executable, str(REPO / "examples" / "notebook.py")], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "OLS Regression Results" in done.stdout and "North America's CAR[0,+10] differs by" in done.stdout
    assert "fewer than the 20 the bootstrap needs" in done.stdout
    for name in ("car.png", "distribution.png"):
        assert (tmp_path / "figures" / name).stat().st_size > 20_000
