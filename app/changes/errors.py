"""The errors of plan / preview / apply: each says what was refused and why, in words a
person can act on."""

from __future__ import annotations


class ChangeError(Exception):
    """Something the change engine refused; ``message`` is what a person reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TreeTooLarge(ChangeError):
    """A tree read would exceed ``PROPDESK_MAX_RESPONSE_BYTES``."""


class PlanTooLarge(ChangeError):
    """A plan would hold more operations than one apply may carry."""


class FormatError(ChangeError):
    """A malformed export file. ``line`` and ``column`` count from 1 (``None`` when the
    place is not known, as for structural errors in JSON, where ``where`` names the key)."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None) -> None:
        place = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(place + problem)
        self.problem = problem
        self.line = line
        self.column = column


class UnsupportedVersion(FormatError):
    """A propdesk export of a format version this propdesk does not read."""
