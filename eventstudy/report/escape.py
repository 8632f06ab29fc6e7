"""Text from events.csv and the registry made safe for each output format.

HTML is escaped by Jinja2's autoescape; this module covers what autoescape does not: control
characters (removed from every page, since a NUL or a bidirectional override can hide or reorder
text), link targets (only http and https become links) and Markdown, where every piece of user
text is backslash-escaped so that it can never open a tag, a link, an autolink or a block.
CSV cells are neutralized in :func:`eventstudy.atomic.write_csv`, the one CSV writer.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from eventstudy.formatting import clean

# Every ASCII punctuation character that CommonMark lets a backslash escape and that can start
# markup: emphasis, code, links and images, autolinks and raw HTML, tables, headings, entities.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|!~&])")
# At the start of a line these open a list, a quote, a heading underline or a numbered list.
_MD_LINE_START = re.compile(r"^(\d*)([-+=.)])")
# Characters left as they are in a Markdown link target; everything else is percent-encoded,
# including spaces, <, > and parentheses, which would end the target.
_URL_SAFE = "/:?#@!$&'*+,;=%~-._"


def md(text: object) -> str:
    """User text for one line of Markdown: cleaned, on one line, every markup character escaped."""
    s = " ".join(clean(text).split())
    return _MD_SPECIAL.sub(r"\\\1", s)


def md_block(text: object) -> str:
    """Like :func:`md`, for text that starts a line of its own (a paragraph)."""
    return _MD_LINE_START.sub(r"\1\\\2", md(text))


def href(url: object) -> str | None:
    """A link target for an ``http(s)`` URL, else None (a ``javascript:`` or ``file:`` source is shown,
    never linked)."""
    s = clean(url).strip()
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in s):
        return None
    return s


def md_link(text: object, url: object) -> str:
    """A Markdown link to ``url`` with escaped text and a percent-encoded target; just the escaped
    text when the URL is not http(s)."""
    target = href(url)
    if target is None:
        return md(text)
    return f"[{md(text)}]({quote(target, safe=_URL_SAFE)})"
