"""The "rebuild with properties" form as data: a force scheduler's fields prefilled from a
past build's properties, and a submitted form turned into the ``force`` call's parameters.

No Flask: the view hands in the submitted values (``name -> [values]``) and renders the
``RebuildField`` list this module builds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.buildbot.compare import shown
from app.buildbot.models import Build, ForceParameter, ForceScheduler

IDENTITY_KIND = "username"
NOT_PREFILLED = frozenset({"username", "reason", "owner"})
"""Parameters never taken from the past build: who asks and why are this request's."""
EMAIL_EXPLAINED = (
    "This force scheduler wants an e-mail address as the user name (Buildbot's "
    "UserNameParameter with need_email=True). propdesk sends your identity {identity!r} "
    "and does not let it be changed, so a build is never attributed to someone else. "
    "Ask the master's administrators for UserNameParameter(need_email=False), or use an "
    "identity that is an address."
)


def is_identity(parameter: ForceParameter) -> bool:
    """Whether ``parameter`` says who asks (Buildbot's ``username``): propdesk fills it
    with the user's identity, shows it read-only and never takes it from a form."""
    return parameter.kind == IDENTITY_KIND or parameter.name == "username"


def identity_error(message: str, identity: str) -> str:
    """Buildbot's refusal of the identity, with what propdesk sent and why it is fixed."""
    if "email" not in message.casefold():
        return message
    return f"{message}. {EMAIL_EXPLAINED.format(identity=identity)}"


@dataclass(frozen=True)
class RebuildField:
    """One field of the form: its parameter, the value shown (text; for a boolean
    ``"1"`` or ``""``; for a multiple choice several), and where the value came from."""

    parameter: ForceParameter
    values: tuple[str, ...]
    origin: str

    @property
    def name(self) -> str:
        return self.parameter.name

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def readonly(self) -> bool:
        """The identity: shown, not editable, not sent by the browser."""
        return is_identity(self.parameter)

    @property
    def widget(self) -> str:
        """``checkbox``, ``select``, ``textarea`` or ``text``."""
        kind = self.parameter.kind
        if kind == "bool":
            return "checkbox"
        if self.parameter.choices:
            return "select"
        return "textarea" if kind == "textarea" else "text"


def _as_texts(value: Any, parameter: ForceParameter) -> tuple[str, ...]:
    if parameter.kind == "bool":
        return ("1",) if value is True or str(value).lower() in ("true", "1", "on") else ("",)
    if isinstance(value, list) and parameter.multiple:
        return tuple(shown(v) for v in value)
    return ("",) if value is None else (shown(value),)


def prefilled(
    scheduler: ForceScheduler, build: Build, identity: str, reason: str
) -> tuple[RebuildField, ...]:
    """The scheduler's visible fields: the build's property of the same name where there
    is one, else the parameter's default; ``username`` is ``identity``, ``reason`` is
    ``reason``."""
    props = {p.name: p for p in build.properties}
    out = []
    for parameter in scheduler.parameters:
        if parameter.hidden:
            continue
        if is_identity(parameter):
            out.append(RebuildField(parameter, (identity,), "you"))
        elif parameter.name == "reason":
            out.append(RebuildField(parameter, (reason,), "rebuild"))
        elif parameter.name in props and parameter.name not in NOT_PREFILLED:
            value = props[parameter.name].value
            out.append(
                RebuildField(parameter, _as_texts(value, parameter), f"build {build.number}")
            )
        else:
            out.append(RebuildField(parameter, _as_texts(parameter.default, parameter), "default"))
    return tuple(out)


def submitted(
    scheduler: ForceScheduler, form: Mapping[str, Sequence[str]], identity: str
) -> tuple[tuple[RebuildField, ...], dict[str, Any]]:
    """The form as typed (to show again) and the ``force`` parameters it makes: the
    identity as ``username`` whatever the form holds, booleans from their checkbox,
    multiple choices as lists, everything else as the text typed (Buildbot converts and
    checks it: a bad number comes back as a field error)."""
    fields = []
    params: dict[str, Any] = {}
    for parameter in scheduler.parameters:
        if parameter.hidden:
            continue
        typed = tuple(str(v) for v in form.get(parameter.name, ()))
        if is_identity(parameter):
            fields.append(RebuildField(parameter, (identity,), "you"))
            params[parameter.name] = identity
        elif parameter.kind == "bool":
            checked = any(v in ("1", "on", "true") for v in typed)
            fields.append(RebuildField(parameter, ("1",) if checked else ("",), "typed"))
            params[parameter.name] = checked
        elif parameter.multiple:
            fields.append(RebuildField(parameter, typed, "typed"))
            params[parameter.name] = list(typed)
        else:
            text = typed[0] if typed else ""
            fields.append(RebuildField(parameter, (text,), "typed"))
            params[parameter.name] = text
    return tuple(fields), params
