"""What every command shares: the group and its context, the exit codes, the output folders that
change whole, the options several commands take, and the entry point.

User mistakes (bad files, rows, symbols, options) print one line ``eventstudy: error: ...`` and
exit with code 2, never a traceback; a failed fetch or a failing machine (no network, a full disk,
a read-only folder) exits with code 1 after saying what failed; a refresh that finds another one
holding the lock exits with code 3.
"""

from __future__ import annotations

import errno
import json
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from eventstudy import atomic, locks
from eventstudy.errors import EnvironmentFailure, UserError
from eventstudy.paths import data_home
from eventstudy.stats import startup  # numpy-free: the process's start, before any statistics

# pandas and scipy are imported inside the commands that use them: `--help` and the light commands
# stay fast (tests/test_startup.py checks that importing this module loads neither).

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_CODES = """Exit codes: 0 done; 1 partial or environment failure (some securities could not be fetched, no
network, a full disk, a read-only folder: nothing half-written is left); 2 input error (a bad file,
row, symbol or option: nothing is written); 3 another refresh holds the lock (see refresh --wait)."""
CHECK_EXIT_CODES = """Exit codes: 0 every claim at or above --min-confidence got a verdict (or the article has none); 1
some could not be checked (no prices, a security or kind the tool does not know, no date...): each is
named with why, and the last line says "checked N of M claims"; 2 input error (a bad option, file or
--time/--timezone; no prices stored at all)."""
T = TypeVar("T")


def echo_answers(v: Any) -> None:
    """A verdict's two answers (is it true; did the event do it) and its placebo line, as `run` and
    `check` print them under the claim."""
    click.echo(f"    fact: {v.fact_text}")
    click.echo(f"    cause: {v.cause_text}")
    if v.placebo is not None:
        click.echo(f"    placebo: {v.placebo.text()}")


class _Ctx:
    def __init__(self, home: str | None, securities: str | None):
        self._home = home
        self._securities = securities

    @property
    def home(self) -> Path:
        return data_home(self._home)

    def store(self):
        from eventstudy.data.store import PriceStore

        return PriceStore(self.home)

    def registry(self):
        from eventstudy.data.securities import load_registry

        return load_registry(self._securities)


pass_ctx = click.make_pass_decorator(_Ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
             epilog=EXIT_CODES)
@click.option("--home", type=click.Path(file_okay=False), envvar="EVENTSTUDY_HOME",
              help="Data directory (default: $EVENTSTUDY_HOME, else the user data directory).")
@click.option("--securities", type=click.Path(dir_okay=False),
              help="Securities registry CSV (default: the one shipped with the package).")
@click.version_option(package_name="eventstudy-claims")
@click.pass_context
def cli(ctx: click.Context, home: str | None, securities: str | None) -> None:
    """Market event studies that test news claims against prices."""
    ctx.obj = _Ctx(home, securities)


def _empty_store(store: Any) -> UserError:
    return UserError(f"the price store {store.dir} is empty",
                     hint="load prices first: eventstudy prices import ../shared/data/real/*.csv")


def _no_events(events_path: str) -> UserError:
    return UserError("no events in the file; the previous report is left alone", file=events_path, line=2,
                     field="id", hint="add at least one event row")


def _figure_formats(figures: str | None, figure_format: str) -> tuple[str, ...]:
    """The formats of --figures, checked before any work (the plotting module imports no matplotlib)."""
    from eventstudy.stats.plots import parse_formats

    return parse_formats(figure_format) if figures else ()


def _check_figures(figures: str | None, out: Path, inputs: Sequence[str | None]) -> Path | None:
    if not figures:
        return None
    target = _check_out(figures, "figures", inputs)
    if target == out or out in target.parents or target in out.parents:
        raise UserError("--figures and --out must be separate folders (each is replaced as a whole)",
                        file=figures, field="--figures", hint="e.g. --figures figures")
    return target


# Every output folder generation holds this file, naming what wrote it: only such a folder (or a new
# or empty one) is ever replaced, so a folder of the user's own files is never swept away.
OUTPUT_MARKER = ".eventstudy-output"
_KIND_WHAT = {"report": "a report", "study": "a study's output", "figures": "a figures folder",
              "calendar-time": "a calendar-time output"}
# Longest event or estimation window: two years of sessions, beyond which nothing is an event study.
MAX_WINDOW_DAYS = 1000


def _written_before_marker(path: Path, kind: str) -> bool:
    """An output folder of a version that wrote no marker: a report's index.html and claims.json,
    or (study) nothing but the four CSVs and the temporary files of a killed write."""
    if kind == "report":
        return (path / "index.html").is_file() and (path / "claims.json").is_file()
    if kind == "figures":  # every figures folder was written with its marker
        return False
    from eventstudy.stats.regression import FILES
    from eventstudy.stats.study import CSV_FILES

    names = (*CSV_FILES, *FILES)
    return all(p.name in names or (p.name.startswith(tuple(f".{n}." for n in names)) and p.suffix == ".tmp")
               for p in path.iterdir())


def _check_out(out: str, kind: str, inputs: Sequence[str | None] = ()) -> Path:
    """The output folder, refused up front (exit 2) when it cannot or must not be replaced, as the
    path to write (symbolic links followed). It is replaced as a whole, so it must be new, empty or
    an earlier output of the same kind, must not be (or hold) the current folder, and must not hold
    an input (``inputs``)."""
    path = Path(out)
    what = _KIND_WHAT[kind]
    try:
        target, here = path.resolve(), Path.cwd().resolve()
        if target.is_symlink():  # what Python 3.13 gives back for a loop, where 3.11 raises
            raise RuntimeError(f"symbolic link loop: {target}")
    except (OSError, RuntimeError) as exc:
        raise UserError(f"cannot follow the path ({exc})", file=out, field="--out", hint="choose another folder") \
            from None
    if target.exists() and not target.is_dir():
        raise UserError("--out is a file, not a folder", file=out, field="--out")
    if target.is_dir() and not target.stat().st_mode & stat.S_IWUSR:
        # Someone made it read-only: replacing it would drop that wish (a new folder gets the umask).
        raise UserError(f"--out is read-only (mode {stat.S_IMODE(target.stat().st_mode):04o}); it is left as it is",
                        file=out, field="--out", hint="make it writable with chmod u+w, or choose another folder")
    if target == here or target in here.parents:
        raise UserError("--out is the current folder (or holds it); it would be replaced as a whole", file=out,
                        field="--out", hint="choose a new folder, e.g. --out out")
    for given in inputs:
        if given and Path(given).resolve().is_relative_to(target):
            raise UserError(f"the input {given} lies inside --out, which is replaced as a whole", file=out,
                            field="--out", hint="choose another output folder")
    if target.is_dir() and any(target.iterdir()):
        marker = target / OUTPUT_MARKER
        if marker.is_file():
            try:
                found = json.loads(marker.read_text(encoding="utf-8")).get("kind")
            except (OSError, ValueError, AttributeError):
                found = None
            if found != kind:
                raise UserError(f"the folder holds {_KIND_WHAT.get(str(found), 'something else')}, not {what}; "
                                "it would be replaced as a whole", file=out, field="--out",
                                hint="choose an empty or new folder")
        elif not _written_before_marker(target, kind):
            raise UserError(f"the folder holds files that are not {what}; it would be replaced as a whole",
                            file=out, field="--out", hint="choose an empty or new folder")
    probe = target.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        if not probe.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(probe))
        # Root passes every permission check, so only a real write tells (read-only mounts, /proc).
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise UserError(f"cannot write in {probe} ({exc.strerror or exc})", file=out, field="--out",
                        hint="choose a folder you can write to") from None
    return target


def _check_windows(estimation: Any, window: Any, min_estimation: int) -> None:
    """Windows that would make a meaningless or endless study, refused before any work."""
    from eventstudy.stats.windows import Window

    if min_estimation < 1:
        raise UserError(f"--min-estimation {min_estimation}: a fit needs at least 1 estimation day (default 30)",
                        field="--min-estimation")
    for w, what in ((window, "--window"), (estimation, "--estimation")):
        if isinstance(w, Window) and (abs(w.start) > MAX_WINDOW_DAYS or abs(w.end) > MAX_WINDOW_DAYS):
            raise UserError(f"{what} {w.start}:{w.end} reaches beyond {MAX_WINDOW_DAYS} trading days", field=what,
                            hint="event windows span days or weeks, e.g. -5:5")
    if isinstance(window, Window) and isinstance(estimation, Window):
        if estimation.start <= window.end and window.start <= estimation.end:
            raise UserError(f"--estimation {estimation.start}:{estimation.end} overlaps the event window "
                            f"{window.start}:{window.end}", field="--estimation",
                            hint=f"end the estimation window before {window.start}, e.g. -250:{window.start - 6}")
    elif hasattr(window, "start") and hasattr(estimation, "end") and not isinstance(window, Window) \
            and not isinstance(estimation, Window) and estimation.end >= window.start:
        raise UserError("--estimation dates overlap the event window", field="--estimation",
                        hint="end the estimation window before the event window starts")


def _publish(out: Path, fill: Callable[[Path], T], kind: str, *, wait: float = 600.0) -> T:
    """Write a whole output folder (``out`` as :func:`_check_out` gives it): ``fill`` writes into a
    fresh sibling, marked as ``kind``'s output, that replaces ``out`` in one switch, under the
    folder's lock; a crash or a failure leaves the previous folder as it was."""
    lock = out.parent / f".{out.name}.lock"
    with locks.hold(lock, f"the output folder {out}", timeout=wait), atomic.new_generation(out) as staged:
        done = fill(staged)
        atomic.write_text(staged / OUTPUT_MARKER, json.dumps({"kind": kind}) + "\n")
        return done


OFFLINE_HINT = ("without a network, load files and run offline: eventstudy prices import FILE... "
                "&& eventstudy run --offline (or eventstudy refresh --offline)")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit code 2, a failing machine exit 1."""
    atomic.arm_crash_timer()
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="eventstudy", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("eventstudy: aborted", err=True)
        sys.exit(EXIT_FAILED)
    except click.ClickException as exc:
        click.echo(f"eventstudy: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except EnvironmentFailure as exc:
        click.echo(f"eventstudy: error: {exc.one_line()}", err=True)
        sys.exit(EXIT_FAILED)
    except UserError as exc:
        click.echo(f"eventstudy: error: {exc.one_line()}", err=True)
        sys.exit(EXIT_USAGE)
    except locks.LockHeld as exc:
        click.echo(f"eventstudy: error: {exc.what} is locked by {exc.holder}", err=True)
        sys.exit(EXIT_LOCKED)
    except OSError as exc:
        click.echo(f"eventstudy: error: {_environment(exc)}", err=True)
        sys.exit(EXIT_FAILED)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    finally:
        # A host that runs commands in-process (argv given: the tests) gets its garbage collector
        # back as it was; the process's own command line exits next, and unfrozen objects would
        # only make the interpreter's shutdown walk them all once more (0.1 s of a study).
        if argv is not None:
            startup.release()


def _environment(exc: OSError) -> str:
    """A failing machine in one line: where, what, and that nothing was replaced."""
    where = f"{exc.filename}: " if exc.filename else ""
    what = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what += " (free some space and run again)"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        what += " (the folder is read-only for this user)"
    return f"{where}{what}; nothing was replaced"


# Options that several commands share.
_fallback_option = click.option(
    "--fallback", default="post-event", show_default=True, type=click.Choice(["post-event", "none"]),
    help="When a security has fewer valid estimation days than --min-estimation: market-adjusted returns "
         "with the volatility of the estimation and post-event days (post-event), or no substitute (none).")
_figures_option = click.option(
    "--figures", "figures", type=click.Path(file_okay=False),
    help="Also write publication figures (matplotlib) to this folder: new, empty or earlier figures "
         "(it is replaced as a whole).")
_figure_format_option = click.option(
    "--figure-format", "figure_format", default="png,pdf", show_default=True,
    help="Comma-separated formats of --figures: png (slides), pdf and svg (vector, for papers).")
