"""Safe redirect targets: only local paths of this app may follow a login."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a local path of this app, else ``None``.

    Accepted: one leading ``/``, then no ``/`` or ``\\`` right after it, no backslash or
    control character anywhere, and no scheme or host once parsed.
    """
    if not target or not target.startswith("/") or len(target) > 2000:
        return None
    if target.startswith(("//", "/\\")) or "\\" in target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
