"""Write the parts of the docs that come from the offline run, so that they cannot go stale:
README.md's verdict table and docs/verdicts.md's worked examples, each between its markers.

    python docs/make_docs.py                      # run the offline README run in a temporary home
    python docs/make_docs.py --claims claims.json # from a run's claims.json (CI: the acceptance run)
    python docs/make_docs.py --claims claims.json --check   # exit 1 with a diff when they differ

The offline run reads ../shared/data/real and ../shared/data/real/more (all files in one import).
"""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "real"
EVENT = "glm-image"
TARGETS = {REPO / "README.md": "verdicts", REPO / "docs" / "verdicts.md": "examples"}


def _claims_from_run() -> list[dict]:
    exe = Path(sys.executable).parent / "eventstudy"
    with tempfile.TemporaryDirectory() as tmp:
        env_home = ["--home", str(Path(tmp) / "home")]
        files = sorted(str(p) for p in [*SHARED.glob("*.csv"), *(SHARED / "more").glob("*.csv")])
        subprocess.run([str(exe), *env_home, "prices", "import", *files], check=True, capture_output=True)
        subprocess.run([str(exe), *env_home, "run", "--offline", "--out", str(Path(tmp) / "out")], check=True,
                       capture_output=True, cwd=REPO)
        return json.loads((Path(tmp) / "out" / "claims.json").read_text(encoding="utf-8"))["claims"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _after_answer(text: str) -> str:
    """The text after its answer word: "TRUE +18.81%, claim: ..." -> "+18.81%, claim: ...";
    "Caused by X? UNCLEAR: why" -> "why"."""
    if "? " in text:
        return text.split("? ", 1)[1].split(": ", 1)[1]
    return text.split(" ", 1)[1] if text.split(" ", 1)[0].isupper() else text


def table(claims: list[dict]) -> str:
    rows = ["| claim | is it true? (fact) | did the event do it? (cause) | placebo on its own stocks | verdict |",
            "|---|---|---|---|---|"]
    for c in claims:
        if c["event_id"] != EVENT:
            continue
        placebo = (c.get("placebo") or {}).get("text", "")
        rows.append(f"| {_cell(c['quote'])} | **{c['fact']}**: {_cell(_after_answer(c['fact_text']))} "
                    f"| **{c['cause']}**: {_cell(_after_answer(c['cause_text']))} | {_cell(placebo)} "
                    f"| {c['verdict']} |")
    return "\n".join(rows) + "\n"


def examples(claims: list[dict]) -> str:
    out = []
    for c in claims:
        if c["event_id"] != EVENT:
            continue
        out += [f"### \u201c{c['quote']}\u201d", "",
                f"- **fact: {c['fact']}.** {c['fact_text']}",
                f"- **cause: {c['cause']}.** {c['cause_text']}"]
        out += [f"- {s['question']}: **{s['answer']}**. {s['text']}" for s in c["statements"]]
        if c.get("placebo"):
            out.append(f"- placebo: {c['placebo']['text']}")
        out += [f"- verdict: **{c['verdict']}** ({c['reason']})", ""]
    return "\n".join(out)


def replace(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start (docs/make_docs.py writes this) -->", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        raise SystemExit(f"markers {start!r} and {end!r} are missing")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body.rstrip()}\n{end}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", help="a run's claims.json (default: run the offline README run)")
    ap.add_argument("--check", action="store_true", help="exit 1 with a diff when the docs differ from the run")
    args = ap.parse_args(argv)
    claims = (json.loads(Path(args.claims).read_text(encoding="utf-8"))["claims"] if args.claims
              else _claims_from_run())
    bodies = {"verdicts": table(claims), "examples": examples(claims)}
    stale = False
    for path, name in TARGETS.items():
        old = path.read_text(encoding="utf-8")
        new = replace(old, name, bodies[name])
        if new == old:
            continue
        if args.check:
            stale = True
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), str(path),
                                                       f"{path} (from the run)"))
        else:
            path.write_text(new, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")
    if stale:
        print("the docs differ from what the code gives: run python docs/make_docs.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
