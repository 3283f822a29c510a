"""Template filters: value previews and relative times."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from markupsafe import Markup


def preview(value: str | None, limit: int = 80) -> str:
    """The first line of a value, trimmed, with an ellipsis when cut."""
    if value is None:
        return ""
    lines = value.strip("\n").splitlines() or [""]
    first = lines[0].strip()
    cut = len(first) > limit or len(lines) > 1
    return (first[:limit] + "…") if cut else first


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """``3 min ago``-style text for a time."""
    if moment is None:
        return ""
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 0:
        return "just now"
    for unit, size in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def exact(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


TIME_TAG = Markup('<time datetime="%s" title="%s UTC">%s</time>')


def time_tag(moment: datetime | None) -> Markup:
    """A moment as "3 min ago" in a ``<time>`` element, with the exact time on hover and
    for machines; nothing for no moment. (The ``time_ago`` macro; a function, so a
    100-row table does not pay 100 macro calls for it.)"""
    if not moment:
        return Markup("")
    # Markup %, not Markup.format (string.Formatter made this tag half of a 100-row
    # table's rendering time); the title is exact() from isoformat, cheaper than strftime.
    title = moment.astimezone(UTC).isoformat(" ", "seconds")[:19]
    return TIME_TAG % (moment.isoformat(), title, ago(moment))


def filesize(size: int | None) -> str:
    """Bytes in human units (1024-based)."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def register_filters(app: Flask) -> None:
    from app.cloudbees.transport import encode_segment

    app.add_template_filter(encode_segment, "segment")
    app.add_template_filter(filesize)
    app.add_template_filter(preview)
    app.add_template_filter(ago)
    app.add_template_filter(exact)
    app.add_template_global(time_tag)
