"""Where the tool keeps its data: ``--home``, else ``$EVENTSTUDY_HOME``, else the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "eventstudy"


def implied_home() -> Path:
    """The data directory a command gets without ``--home`` ($EVENTSTUDY_HOME, else the user data
    dir); not created here."""
    if os.environ.get("EVENTSTUDY_HOME"):
        return Path(os.environ["EVENTSTUDY_HOME"]).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)).expanduser()


def data_home(explicit: str | Path | None = None) -> Path:
    """Resolve the data directory; it is created on first use."""
    home = Path(explicit).expanduser() if explicit else implied_home()
    home.mkdir(parents=True, exist_ok=True)
    return home
