"""What propdesk asks a Buildbot master: builders, builds, a build's properties, force
schedulers, and a force. One ``BuildbotClient`` per request, bound to the user's Buildbot
session when the master has a login; every call goes through ``BuildbotTransport``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.buildbot.errors import NotFound, ServerError
from app.buildbot.models import (
    Build,
    Builder,
    BuildProperty,
    Forced,
    ForceScheduler,
    MasterAuth,
    properties_from_json,
)
from app.buildbot.query import CollectionQuery, Filter
from app.buildbot.transport import BuildbotSession, BuildbotTransport, Json


def _items(body: Json, key: str) -> list[Mapping[str, Any]]:
    found = body.get(key)
    if not isinstance(found, list):
        raise ServerError(f"Buildbot answered without a {key!r} list")
    return [item for item in found if isinstance(item, Mapping)]


@dataclass(frozen=True)
class BuildRequest:
    """A build request: its builder, whether it was claimed or is complete, and the
    numbers of the builds it started so far."""

    buildrequestid: int
    builderid: int
    claimed: bool
    complete: bool
    build_numbers: tuple[int, ...]


class BuildbotClient:
    """Reads and forces builds on one master, as the user of ``session`` (or anonymously)."""

    def __init__(self, transport: BuildbotTransport, session: BuildbotSession | None) -> None:
        self.transport = transport
        self.session = session

    def _get(self, *segments: str, query: CollectionQuery | None = None) -> Json:
        params = query.to_params() if query is not None else []
        return self.transport.get(segments, params, session=self.session)

    def auth(self) -> MasterAuth:
        """How the master logs people in (``/config``)."""
        auth = self.transport.config().get("auth")
        if not isinstance(auth, Mapping):
            raise ServerError("The Buildbot master's /config has no auth section")
        return MasterAuth(str(auth.get("name") or "NoAuth"), bool(auth.get("oauth2")))

    def logged_in(self) -> bool:
        """Whether the master still knows this client's session (not anonymous to it)."""
        if self.session is None:
            return False
        user = self.transport.config(self.session).get("user")
        return isinstance(user, Mapping) and not user.get("anonymous", True)

    def builders(self) -> tuple[Builder, ...]:
        """Every builder, by name."""
        found = [Builder.from_json(b) for b in _items(self._get("builders"), "builders")]
        return tuple(sorted(found, key=lambda b: b.name.casefold()))

    def builder(self, name: str) -> Builder:
        """One builder by name (``NotFound`` when there is none)."""
        try:
            found = _items(self._get("builders", name), "builders")
        except NotFound:
            found = []
        match = [Builder.from_json(b) for b in found if b.get("name") == name]
        if not match:
            raise NotFound(f"Buildbot has no builder named {name!r}", status=404)
        return match[0]

    def last_build(self, builder: Builder) -> Build | None:
        """The builder's newest build, or ``None`` before its first."""
        query = CollectionQuery(order=("-number",), limit=1)
        found = _items(
            self._get("builders", str(builder.builderid), "builds", query=query), "builds"
        )
        return Build.from_json(found[0]) if found else None

    def builds(self, builder: Builder, query: CollectionQuery) -> tuple[Build, ...]:
        """The builds of ``builder`` that ``query`` selects, in its order."""
        body = self._get("builders", str(builder.builderid), "builds", query=query)
        return tuple(Build.from_json(b) for b in _items(body, "builds"))

    def build(self, builder: Builder, number: int) -> Build:
        """One build of ``builder`` with its properties."""
        try:
            segments = ("builders", str(builder.builderid), "builds", str(number))
            found = _items(self._get(*segments), "builds")
        except NotFound:
            found = []
        if not found:
            raise NotFound(f"{builder.name} has no build {number}", status=404)
        build = Build.from_json(found[0])
        return replace(build, properties=self.properties(build.buildid))

    def properties(self, buildid: int) -> tuple[BuildProperty, ...]:
        """The properties of the build with id ``buildid``, by name."""
        body = self._get("builds", str(buildid), "properties")
        listed = body.get("properties")
        if not isinstance(listed, list):
            raise ServerError("Buildbot answered properties without a list")
        return properties_from_json(listed[0]) if listed else ()

    def force_schedulers(self, builder: Builder) -> tuple[ForceScheduler, ...]:
        """The force schedulers that can start ``builder``."""
        found = _items(self._get("forceschedulers"), "forceschedulers")
        schedulers = [ForceScheduler.from_json(s) for s in found]
        return tuple(s for s in schedulers if builder.name in s.builder_names)

    def force(self, scheduler: str, builder: Builder, params: Mapping[str, Any]) -> Forced:
        """Start ``builder`` through ``scheduler`` with the form's ``params`` (``username``,
        ``reason``, properties...); per-field refusals raise ``FieldErrors``."""
        call = {**params, "builderid": str(builder.builderid)}
        result = self.transport.rpc(
            ("forceschedulers", scheduler), "force", call, session=self.session
        )
        return Forced.from_result(result)

    def build_request(self, buildrequestid: int) -> BuildRequest:
        """A build request and the builds it started so far."""
        found = _items(self._get("buildrequests", str(buildrequestid)), "buildrequests")
        if not found:
            raise NotFound(f"Buildbot has no build request {buildrequestid}", status=404)
        request = found[0]
        builds = _items(self._get("buildrequests", str(buildrequestid), "builds"), "builds")
        return BuildRequest(
            buildrequestid=buildrequestid,
            builderid=int(request.get("builderid") or 0),
            claimed=bool(request.get("claimed")),
            complete=bool(request.get("complete")),
            build_numbers=tuple(sorted(Build.from_json(b).number for b in builds)),
        )

    def pending_requests(self, builder: Builder, limit: int) -> tuple[int, ...]:
        """The ids of ``builder``'s newest ``limit`` build requests not complete yet."""
        query = CollectionQuery(
            filters=(Filter.of("complete", "eq", False),),
            order=("-buildrequestid",),
            limit=limit,
        )
        body = self._get("builders", str(builder.builderid), "buildrequests", query=query)
        return tuple(int(r.get("buildrequestid") or 0) for r in _items(body, "buildrequests"))
