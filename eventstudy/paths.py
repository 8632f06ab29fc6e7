"""Where the tool keeps its data: ``--home``, else ``$EVENTSTUDY_HOME``, else the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "eventstudy"


def data_home(explicit: str | Path | None = None) -> Path:
    """Resolve the data directory; it is created on first use."""
    if explicit:
        home = Path(explicit)
    elif os.environ.get("EVENTSTUDY_HOME"):
        home = Path(os.environ["EVENTSTUDY_HOME"])
    else:
        home = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    home = home.expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home
