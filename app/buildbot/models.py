"""Frozen dataclasses for what Buildbot answers: builders, builds, build properties, force
schedulers and their parameters, and the answer to a force. Each ``from_json`` reads one
object of the REST API and refuses a shape it does not know with ``ServerError``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.buildbot.errors import ServerError

RESULTS = ("success", "warnings", "failure", "skipped", "exception", "retry", "cancelled")
"""Buildbot's result codes 0..6, by name."""


def result_name(code: int | None) -> str:
    """``success``, ``failure``... for a result code; ``running`` when there is none yet."""
    if code is None:
        return "running"
    return RESULTS[code] if 0 <= code < len(RESULTS) else f"result {code}"


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServerError(f"Buildbot answered a {what} that is not a number: {value!r}")
    return value


def _opt_int(value: Any, what: str) -> int | None:
    return None if value is None else _int(value, what)


def _when(value: Any) -> datetime | None:
    """A Buildbot epoch time as an aware UTC datetime."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


@dataclass(frozen=True)
class Builder:
    """A builder: its id, name, description and tags."""

    builderid: int
    name: str
    description: str
    tags: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Builder:
        return cls(
            builderid=_int(data.get("builderid"), "builder id"),
            name=str(data.get("name") or ""),
            description=str(data.get("description") or ""),
            tags=tuple(str(t) for t in data.get("tags") or ()),
        )


@dataclass(frozen=True)
class BuildProperty:
    """One property of a build: its name, its value (any JSON) and where it came from."""

    name: str
    value: Any
    source: str

    @property
    def kind(self) -> str:
        """``text``, ``number``, ``boolean``, ``none`` or ``json`` (lists, objects)."""
        if self.value is None:
            return "none"
        if isinstance(self.value, bool):
            return "boolean"
        if isinstance(self.value, (int, float)):
            return "number"
        return "text" if isinstance(self.value, str) else "json"


def properties_from_json(data: Any) -> tuple[BuildProperty, ...]:
    """``{name: [value, source]}`` as properties sorted by name."""
    if not isinstance(data, Mapping):
        raise ServerError("Buildbot answered properties that are not an object")
    out = []
    for name, pair in data.items():
        if not isinstance(pair, list) or len(pair) != 2:
            raise ServerError(f"Buildbot answered property {name!r} without [value, source]")
        out.append(BuildProperty(str(name), pair[0], str(pair[1])))
    return tuple(sorted(out, key=lambda p: p.name))


@dataclass(frozen=True)
class Build:
    """A build of a builder: its ids, number, result and times; ``properties`` when they
    were asked for inline (else empty)."""

    buildid: int
    builderid: int
    number: int
    buildrequestid: int | None
    complete: bool
    results: int | None
    state: str
    started_at: datetime | None
    complete_at: datetime | None
    properties: tuple[BuildProperty, ...] = ()

    @property
    def result(self) -> str:
        return result_name(self.results)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Build:
        props = data.get("properties")
        return cls(
            buildid=_int(data.get("buildid"), "build id"),
            builderid=_int(data.get("builderid"), "builder id"),
            number=_int(data.get("number"), "build number"),
            buildrequestid=_opt_int(data.get("buildrequestid"), "build request id"),
            complete=bool(data.get("complete")),
            results=_opt_int(data.get("results"), "result"),
            state=str(data.get("state_string") or ""),
            started_at=_when(data.get("started_at")),
            complete_at=_when(data.get("complete_at")),
            properties=properties_from_json(props) if props else (),
        )


@dataclass(frozen=True)
class ForceParameter:
    """One field of a force scheduler's form: ``name`` is what the force call takes (its
    ``fullName``), ``kind`` Buildbot's type (``text``, ``string``, ``int``, ``bool``,
    ``list``, ``username``, ``textarea``...)."""

    name: str
    label: str
    kind: str
    default: Any
    choices: tuple[str, ...]
    required: bool
    multiple: bool
    hidden: bool


@dataclass(frozen=True)
class ForceScheduler:
    """A force scheduler: its name, label, builders and the fields of its form (nested
    groups flattened, in order)."""

    name: str
    label: str
    builder_names: tuple[str, ...]
    parameters: tuple[ForceParameter, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ForceScheduler:
        return cls(
            name=str(data.get("name") or ""),
            label=str(data.get("label") or data.get("name") or ""),
            builder_names=tuple(str(n) for n in data.get("builder_names") or ()),
            parameters=tuple(_flatten(data.get("all_fields") or ())),
        )

    def parameter(self, name: str) -> ForceParameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def _flatten(fields: Any) -> list[ForceParameter]:
    """The fields of a form, nested groups opened, as ``ForceParameter``s."""
    out: list[ForceParameter] = []
    for spec in fields:
        if not isinstance(spec, Mapping):
            continue
        if spec.get("type") == "nested":
            out += _flatten(spec.get("fields") or ())
            continue
        name = spec.get("fullName") or spec.get("name")
        if not name:
            continue
        out.append(
            ForceParameter(
                name=str(name),
                label=str(spec.get("label") or name),
                kind=str(spec.get("type") or "text"),
                default=spec.get("default"),
                choices=tuple(str(c) for c in spec.get("choices") or ()),
                required=bool(spec.get("required")),
                multiple=bool(spec.get("multiple")),
                hidden=bool(spec.get("hide")),
            )
        )
    return out


@dataclass(frozen=True)
class Forced:
    """The answer to a force: the buildset and the build request made per builder id."""

    buildset_id: int
    build_requests: tuple[tuple[int, int], ...]

    @classmethod
    def from_result(cls, result: Any) -> Forced:
        if not (isinstance(result, list) and len(result) == 2 and isinstance(result[1], dict)):
            raise ServerError(f"Buildbot answered a force with {result!r}")
        requests = tuple(
            (int(builder), _int(request, "build request id"))
            for builder, request in result[1].items()
        )
        return cls(_int(result[0], "buildset id"), requests)


@dataclass(frozen=True)
class MasterAuth:
    """How the master logs people in (its ``/config``): ``name`` of the auth class;
    ``oauth2`` when only an OAuth2 provider is offered."""

    name: str
    oauth2: bool

    @property
    def needs_login(self) -> bool:
        return self.name != "NoAuth"
