"""Shared fixtures. Tests never touch the network: pytest-socket is on for the whole run (pyproject)."""

from __future__ import annotations

import os
from pathlib import Path

# yfinance prefers curl_cffi, whose libcurl sockets bypass pytest-socket's guard; with this set it
# uses requests, so any accidental network access in a test fails loudly instead of going out.
os.environ["YF_DISABLE_CURL_CFFI"] = "1"

import pytest
import yfinance  # noqa: F401  (imported before sockets are blocked: urllib3 probes IPv6 on import)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EVENTSTUDY_SHARED", REPO.parent / "shared"))


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data directory, so no test reads or writes the user's store."""
    home = tmp_path / "home"
    monkeypatch.setenv("EVENTSTUDY_HOME", str(home))
    return home


@pytest.fixture
def home(_isolated_home: Path) -> Path:
    return _isolated_home


def _shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is only beside the repo in CI and dev checkouts)")
    return path


@pytest.fixture
def real_dir() -> Path:
    """../shared/data/real: real daily prices around the January 2026 events."""
    return _shared_path("data", "real")


@pytest.fixture
def peers_dir() -> Path:
    """../shared/data/peers: bundled data of the R packages estudy2 and eventstudies."""
    return _shared_path("data", "peers")


@pytest.fixture
def articles_dir() -> Path:
    """../shared/data/articles: five January 2026 news articles (it, ru, es), for acceptance runs only."""
    return _shared_path("data", "articles")
