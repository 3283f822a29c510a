"""propdesk strips the forwarded prefix from a request target passed as the client sent it
(nginx's ``proxy_pass`` without a URI part); a proxy that strips it itself still works."""

from __future__ import annotations

from typing import Any

import pytest

from app.proxy import strip_prefix


def environ(path: str, raw: str) -> dict[str, Any]:
    return {"PATH_INFO": path, "RAW_URI": raw, "REQUEST_URI": raw}


@pytest.mark.parametrize(
    ("path", "raw", "expected_path", "expected_raw"),
    [
        # nginx passed the target untouched: both lose the prefix, the query stays.
        (
            "/propdesk/browse/a/b/",
            "/propdesk/browse/a%2Fb/?q=1",
            "/browse/a/b/",
            "/browse/a%2Fb/?q=1",
        ),
        ("/propdesk/", "/propdesk/", "/", "/"),
        ("/propdesk", "/propdesk?x=/propdesk/", "", "?x=/propdesk/"),
        # A proxy that strips the prefix itself: nothing to do.
        ("/browse/", "/browse/", "/browse/", "/browse/"),
        # Only whole segments are the prefix.
        ("/propdeskx/browse/", "/propdeskx/browse/", "/propdeskx/browse/", "/propdeskx/browse/"),
        # An escaped prefix in the raw target: the path is stripped, the raw target is left
        # (property names are read after the route's own part, which it still holds).
        ("/propdesk/browse/", "/%70ropdesk/browse/", "/browse/", "/%70ropdesk/browse/"),
    ],
)
def test_strip_prefix(path: str, raw: str, expected_path: str, expected_raw: str) -> None:
    env = environ(path, raw)
    strip_prefix(env, "/propdesk")
    assert env["PATH_INFO"] == expected_path
    assert env["RAW_URI"] == env["REQUEST_URI"] == expected_raw


def test_no_prefix_changes_nothing() -> None:
    env = environ("/propdesk/browse/", "/propdesk/browse/")
    strip_prefix(env, "")
    assert env == environ("/propdesk/browse/", "/propdesk/browse/")
