"""Activity: every change the journal knows across the server, newest first, filtered and
paged by the URL alone, and the same list as a CSV download (streamed in batches)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Blueprint, Response, request, stream_with_context
from flask.typing import ResponseReturnValue

from app.htmx import render
from app.journal import Action, Entry, Source
from app.services import services
from app.web.activity_view import CSV_HEADER, ActivityQuery, csv_row, grouped

bp = Blueprint("activity", __name__)
PAGE_SIZE = 50


@bp.get("/activity")
def index() -> ResponseReturnValue:
    """One page of the changes the URL's filters admit, change sets as one line each."""
    query = ActivityQuery.from_args(request.args.to_dict())
    page = services().journal.activity(query.filters(), query.page, PAGE_SIZE)
    return render(
        "activity/index.html",
        "activity/_list.html",
        query=query,
        page=page,
        groups=grouped(page.items),
        sources=tuple(Source),
        actions=tuple(Action),
    )


def csv_lines(first: Entry | None, rest: Iterator[Entry]) -> Iterator[str]:
    """The CSV text of the header and every entry, one line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str] | tuple[str, ...]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line(CSV_HEADER)
    if first is not None:
        yield line(csv_row(first))
    for entry in rest:
        yield line(csv_row(entry))


@bp.get("/activity.csv")
def download() -> ResponseReturnValue:
    """The filtered list as CSV, every page of it (cells escaped against formulas). The
    first batch is read before the answer starts, so a database that is down is a 503."""
    query = ActivityQuery.from_args(request.args.to_dict())
    entries = services().journal.iter_activity(query.filters())
    first = next(entries, None)
    response = Response(
        stream_with_context(csv_lines(first, entries)), mimetype="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="propdesk-activity.csv"'
    return response
