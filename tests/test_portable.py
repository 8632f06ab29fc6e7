"""Portable outputs: the same price files imported on two machines (other folders, other homes) give
byte-identical reports, and no output names a folder of the machine that made it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from clirun import run_cli

REPO = Path(__file__).resolve().parents[1]


def _machine(root: Path, real: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """Import copies of the real files from a folder of this 'machine' into its own home, then run."""
    data = root / "somewhere" / "data"
    data.mkdir(parents=True)
    for f in sorted(real.glob("*.csv")):
        shutil.copy(f, data / f.name)
    home, out = root / "home", root / "out"
    code, _, err = run_cli(["--home", str(home), "prices", "import", *sorted(str(p) for p in data.glob("*.csv"))],
                           capsys)
    assert code == 0, err
    code, _, err = run_cli(["--home", str(home), "run", "--offline", "--events", str(REPO / "events.csv"),
                            "--out", str(out)], capsys)
    assert code == 0, err
    return out


@pytest.mark.shared
def test_two_machines_give_identical_reports(real_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a = _machine(tmp_path / "machine-a", real_dir, capsys)
    b = _machine(tmp_path / "second" / "machine-b", real_dir, capsys)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
        text = (a / f).read_text(encoding="utf-8")
        # No absolute path: neither the data folder nor the home nor the temporary root.
        assert str(tmp_path) not in text and "/somewhere/" not in text, f
        assert not re.search(r"(?<![\w.])/(?:home|root|tmp|work|Users)/", text), f
    # Sources by file name and SHA-256.
    doc = json.loads((a / "claims.json").read_text(encoding="utf-8"))
    files_of = doc["claims"][0]["provenance"]["securities"]["2513.HK"]["files"]
    assert files_of and all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) and "/" not in f["name"] for f in files_of)
