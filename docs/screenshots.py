"""Remake README's two screenshots from the committed example report (run from the repository root).

    python docs/screenshots.py   # needs the test extra (playwright) and Debian's chromium

The desktop one is the GLM-Image event page at 1280 px, the phone one the index at 390 px; each is the
first screen, as a reader sees it on opening the page.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
SHOTS = [
    (REPO / "reports" / "events" / "glm-image.html", {"width": 1280, "height": 1000}, "screenshot-desktop.png"),
    (REPO / "reports" / "index.html", {"width": 390, "height": 844}, "screenshot-phone.png"),
]


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("no chromium on the PATH: apt-get install -y chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium)
        for page_path, viewport, name in SHOTS:
            page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
            page.goto(page_path.as_uri())
            page.screenshot(path=str(REPO / "docs" / name))
            page.close()
            print(f"wrote docs/{name}")
        browser.close()


if __name__ == "__main__":
    main()
