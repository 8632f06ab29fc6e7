"""The HTML pages, rendered from Jinja2 templates with autoescaping on, so titles, notes and reasons
from the data files cannot inject markup. Charts are inline SVG built by :mod:`.svg`, whose text is
escaped there; the finished page is stripped of control characters."""

from __future__ import annotations

import functools

import jinja2

from .context import IndexView, Page
from .escape import clean


@functools.cache
def _env() -> jinja2.Environment:
    # Templates live in eventstudy/templates/, which pyproject ships as package data.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("eventstudy", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def index(view: IndexView) -> str:
    return clean(_env().get_template("index.html.j2").render(v=view))


def event(page: Page, title: str) -> str:
    return clean(_env().get_template("event.html.j2").render(p=page, title=title))
