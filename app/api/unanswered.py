"""API writes that CloudBees CD did not answer (``UpstreamUnavailable`` after the request
may have been sent), settled as the pages settle theirs (``app.web.journaling``).

The write is journaled with outcome ``unknown`` as what it meant to write, then the
property is read back at once (that read settles the journal's entry) and the answer says
what the read found:

- it landed: the ordinary success answer (status, body and ``ETag`` of the state read
  back), since a script must not be told to retry a write that took effect;
- it did not land so far: ``503 UpstreamUnavailable``, "nothing was written so far" (a
  late write may still land; sending it again is safe, with ``If-Match`` all the more);
- the read-back failed, or found neither the write nor what was there before:
  ``503 UpstreamUnavailable``, "could not confirm".
"""

from __future__ import annotations

from flask import current_app

from app.api.errors import ApiFailure
from app.cloudbees import CloudBeesError, Property, PropertyPath, UpstreamUnavailable
from app.web import journaling
from app.web.edit_form import fingerprint

CODE = "UpstreamUnavailable"
NOT_WRITTEN = (
    "CloudBees CD did not answer the write of {path} ({reason}); read back, it holds what "
    "it held before, so nothing was written so far (a late write may still land). Sending "
    "the request again is safe (with If-Match / If-None-Match it cannot overwrite anything)."
)
UNCONFIRMED = (
    "CloudBees CD did not answer the write of {path} ({reason}), and {found}, so whether it "
    "was written cannot be confirmed. Read the property before writing again."
)


def same(found: Property | None, meant: Property | None) -> bool:
    """Both absent, both sheets with the same description, or both values with the same
    value, description and expandable flag."""
    if found is None or meant is None:
        return found is meant
    if found.is_sheet or meant.is_sheet:
        return found.is_sheet == meant.is_sheet and found.description == meant.description
    return fingerprint(found) == fingerprint(meant)


def read_back(
    path: PropertyPath, before: Property | None, intended: Property | None, err: UpstreamUnavailable
) -> Property | None:
    """Journal the unanswered write of ``intended`` (``None``: a delete) over ``before``
    with outcome ``unknown`` and read ``path`` back, which settles that entry. Returns what
    the read found when the write landed; else raises the 503 that says what is known."""
    journaling.record_unanswered(path, before, intended)
    try:
        now = journaling.read_or_none(path)
    except CloudBeesError as failed:
        found = f"reading it back failed too ({failed.message})"
        message = UNCONFIRMED.format(path=path, reason=err.message, found=found)
        raise ApiFailure(503, message, CODE) from failed
    if same(now, intended):
        current_app.logger.warning("api: the write of %s was answered late but landed", path)
        return now
    if same(now, before):
        raise ApiFailure(503, NOT_WRITTEN.format(path=path, reason=err.message), CODE)
    found = "it now holds something else than this write or what it held before"
    raise ApiFailure(503, UNCONFIRMED.format(path=path, reason=err.message, found=found), CODE)


def written(
    path: PropertyPath, before: Property | None, intended: Property, err: UpstreamUnavailable
) -> Property:
    """``read_back`` of a create or a change: the property as it landed."""
    now = read_back(path, before, intended, err)
    if now is None:  # cannot be: a landed write of a property reads back a property
        found = "it is not there"
        raise ApiFailure(503, UNCONFIRMED.format(path=path, reason=err.message, found=found), CODE)
    return now
