"""The machine's tools the suite starts (redis-server, PostgreSQL): without one, its tests
skip with one line on a laptop and fail in CI (``CI=true``), where .ci/run installs it."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def not_installed(ci_failure: str, skip_reason: str) -> NoReturn:
    """Fail the test with ``ci_failure`` in CI, else skip it with ``skip_reason``."""
    if in_ci():
        pytest.fail(ci_failure)
    pytest.skip(skip_reason)
