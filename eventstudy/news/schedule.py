"""The scheduled job's bookkeeping: did any input change, which verdicts changed, the run log.

``eventstudy refresh`` recomputes the studies and rewrites the reports only when an input changed:
the events file, the securities registry, the settings or a stored price file. The inputs are
summed up in one fingerprint, kept per output folder in ``<home>/refresh-state.json`` after the
reports were switched in, so a refresh killed between the price write and the report write
redoes the reports next time. Every run appends one JSON line to ``<home>/logs/refresh.jsonl``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from eventstudy.atomic import write_text
from eventstudy.data.store import PriceStore
from eventstudy.news.verdicts import Verdict

STATE_FILE = "refresh-state.json"
CHANGES_FILE = "changes.json"


def fingerprint(*, events: bytes, registry: bytes, settings: str, store: PriceStore, version: str) -> str:
    """One hash of everything a report depends on; equal fingerprints mean equal reports."""
    h = hashlib.sha256()
    for part in (events, registry, settings.encode(), version.encode()):
        h.update(hashlib.sha256(part).digest())
    manifest = store.manifest()
    for symbol in store.symbols():
        name = store.path(symbol).name
        entry = manifest.get(name)
        if entry is not None:
            digest = str(entry.get("sha256"))
        else:  # a store written before checksums: hash the file itself
            path = store.path(symbol)
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "?"
        h.update(f"{name}={digest};".encode())
    return h.hexdigest()


def load_state(home: Path) -> dict[str, Any]:
    try:
        data = json.loads((home / STATE_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_state(home: Path, out: Path, value: str) -> None:
    state = load_state(home)
    state[str(Path(out).resolve())] = value
    write_text(home / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))


def _label(verdict: str, fact: str | None, cause: str | None) -> str:
    """A claim's outcome as the change list shows it: the verdict with its two answers (a report of
    a version before the two answers has the verdict alone)."""
    return f"{verdict} (fact {fact}, cause {cause})" if fact and cause else verdict


def previous_verdicts(out: Path) -> dict[tuple[str, str], str]:
    """(event id, claim text) -> outcome label from the report folder's claims.csv ({} if none)."""
    path = Path(out) / "claims.csv"
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return {(r["event_id"], r["claim"]): _label(r["verdict"], r.get("fact"), r.get("cause"))
                    for r in csv.DictReader(fh)}
    except (OSError, KeyError, csv.Error, UnicodeDecodeError):
        return {}


def verdict_changes(old: Mapping[tuple[str, str], str], verdicts: Sequence[Verdict]) -> list[dict[str, str]]:
    """Claims whose verdict differs from the previous report, new claims and dropped ones."""
    changes = []
    new = {(v.event_id, v.claim.text): _label(v.verdict, v.fact, v.cause) for v in verdicts}
    for key, verdict in new.items():
        if old.get(key) != verdict:
            changes.append({"event_id": key[0], "claim": key[1], "old": old.get(key, "(new claim)"), "new": verdict})
    for key, verdict in old.items():
        if key not in new:
            changes.append({"event_id": key[0], "claim": key[1], "old": verdict, "new": "(claim removed)"})
    return changes


def changes_document(changes: list[dict[str, str]], stale: Iterable[tuple[str, str]], when: str) -> str:
    """changes.json: the verdict changes and the securities whose prices could not be refreshed."""
    doc = {"generated_at": when, "changes": changes,
           "stale": [{"symbol": s, "reason": r} for s, r in stale]}
    return json.dumps(doc, indent=1, ensure_ascii=False)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
