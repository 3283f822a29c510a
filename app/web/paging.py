"""Page numbers read from a URL, one rule for every paged list."""

from __future__ import annotations

MAX_PAGE = 100_000


def page_number(raw: str | None) -> int:
    """A ``page`` argument as a page number: 1 when missing or not a plain number (digits
    such as "²" that ``int`` refuses included), at most ``MAX_PAGE``."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_PAGE)):
        return 1
    return min(max(1, int(raw)), MAX_PAGE)
