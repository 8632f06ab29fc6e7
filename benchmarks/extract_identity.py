"""Whether a change to claim extraction's lookups left its output unchanged, text for text.

    python benchmarks/extract_identity.py --write before.txt   # before the change
    python benchmarks/extract_identity.py --check before.txt   # after it: the first differences, exit 1

Every field of what ``propose`` returns (claims with their sentences, unknown moves, stated times,
warnings, language and date) is written, one line per text, for the news-dev items
(../shared/data/news-dev, with and without their dates), the 1,000 articles of the speed benchmark,
the labelled sentences of tests/data/claims_labelled.csv and every string written in the extraction
tests. The file holds the excerpts, so it stays outside the repository; so does a digest of it,
which changes with every rule or word list.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

TEST_FILES = ("test_extract.py", "test_extract_bounds.py", "test_extract_news.py", "test_check_timing.py")


def _test_strings() -> list[str]:
    """Every string constant of the extraction tests that could be a sentence (has a space or a CJK character)."""
    out: list[str] = []
    for name in TEST_FILES:
        tree = ast.parse((REPO / "tests" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 20_000:
                s = node.value
                if " " in s or any("\u4e00" <= ch <= "\u9fff" for ch in s):
                    out.append(s)
    return sorted(set(out))


def texts() -> list[tuple[str, str, object]]:
    """(label, text, date) of every text compared."""
    import score_news_dev as dev

    from tests.claims_scoring import load_examples

    out: list[tuple[str, str, object]] = []
    if dev.DEV.exists():
        items = dev.load()
        for it in items:
            out.append((f"dev {it.id}", it.text, it.date))
            out.append((f"dev {it.id} undated", it.text, None))
        for k, article in enumerate(dev.speed_articles(items)):
            out.append((f"speed {k}", article, None))
    for k, ex in enumerate(load_examples()):
        out.append((f"labelled {k}", ex.text, None))
    for k, s in enumerate(_test_strings()):
        out.append((f"test string {k}", s, None))
    return out


def dump() -> list[str]:
    from eventstudy.news.extract.article import propose

    lines = []
    for label, text, date in texts():
        art = propose(text, source=label, date=date)  # type: ignore[arg-type]
        lines.append(f"{label}\t{art!r}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="write the output of every text to this file")
    group.add_argument("--check", type=Path, help="compare with a file written by --write")
    args = ap.parse_args(argv)
    lines = dump()
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
    if args.write:
        args.write.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{len(lines):,} texts written to {args.write} (digest {digest})")
        return 0
    before = args.check.read_text(encoding="utf-8").splitlines()
    differ = [(a, b) for a, b in zip(before, lines, strict=False) if a != b]
    if len(before) != len(lines):
        print(f"{len(before):,} texts before, {len(lines):,} now")
    for a, b in differ[:5]:
        print(f"- {a}\n+ {b}\n")
    if differ or len(before) != len(lines):
        print(f"{len(differ):,} of {len(lines):,} texts differ")
        return 1
    print(f"{len(lines):,} texts: identical (digest {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
