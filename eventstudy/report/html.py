"""The HTML report: one self-contained file (inline CSS, charts as base64 data URIs), rendered from a
Jinja2 template with autoescaping on, so titles, notes and reasons from the data files cannot
inject markup."""

from __future__ import annotations

import base64
import functools

import jinja2

from .charts import Chart
from .context import ReportView


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


def data_uri(chart: Chart) -> str:
    return "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")


def render(view: ReportView) -> str:
    return _env().get_template("report.html.j2").render(view=view, data_uri=data_uri)
