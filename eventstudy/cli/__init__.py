"""Command line: a thin layer over the Python API, one module per command group.

``base`` holds the group, the exit codes and what every command shares (the context, the output
folders that change whole, the entry point); ``prices``, ``run`` (run and refresh), ``study`` (study
and calendar-time), ``events`` (events and securities) and ``claims`` (claims extract and check)
each hold their commands, registered on the group when imported here.
"""

from __future__ import annotations

from eventstudy.cli import claims, events, prices, run, study  # noqa: F401  (registers the commands)
from eventstudy.cli.base import EXIT_CODES, OUTPUT_MARKER, cli, main
from eventstudy.cli.study import _check_returns

__all__ = ["EXIT_CODES", "OUTPUT_MARKER", "_check_returns", "cli", "main"]
