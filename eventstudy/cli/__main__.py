"""``python -m eventstudy.cli``: the same entry point as the ``eventstudy`` command."""

from eventstudy.cli import main

main()
