"""The emulator's WSGI application: routing, authentication and the REST handlers.

Routing reads the raw request target (``RAW_URI`` / ``REQUEST_URI``) and percent-decodes
each segment on its own, so a name holding an encoded ``/`` stays one segment, exactly as
on a real server.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, unquote

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from app.emulator import paths, publish
from app.emulator.errors import ApiError, invalid_argument, no_such_property
from app.emulator.expansion import expand, parent_sheets
from app.emulator.rules import (
    check_artifact_part,
    check_property_name,
    check_text,
    check_version,
    parse_bool,
    split_path,
)
from app.emulator.settings import EmulatorSettings
from app.emulator.store import Row, Store, now_iso
from app.emulator.views import (
    Json,
    artifact_json,
    project_json,
    property_json,
    repository_json,
    sheet_json,
    version_json,
)

API_PREFIX = ["rest", "v1.0"]
PUBLISH_PATHS = (
    ["commander", "publishArtifact.php"],
    ["commander", "cgi-bin", "publishArtifactAPI.cgi"],
)
CONTROL_PREFIX = "_emulator"

Args = dict[str, Any]


class Call:
    """One request as the handlers see it: user, merged arguments, segments, store."""

    def __init__(self, request: Request, segments: list[str], args: Args) -> None:
        self.request = request
        self.segments = segments
        self.args = args
        self.user = ""

    def text(self, name: str, default: str = "") -> str:
        raw = self.args.get(name)
        if raw is None:
            return default
        if isinstance(raw, (dict, list)):
            raise invalid_argument(name, "expected a string")
        return check_text(name, raw if isinstance(raw, str) else json.dumps(raw))

    def flag(self, name: str, default: bool) -> bool:
        raw = self.args.get(name)
        return default if raw is None or raw == "" else parse_bool(name, raw)

    def has(self, name: str) -> bool:
        return self.args.get(name) is not None


def json_response(body: Json, status: int = 200) -> Response:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(payload.encode(), status=status, content_type="application/json")


def raw_segments(environ: dict[str, Any]) -> list[str]:
    """The request path split on ``/`` and percent-decoded segment by segment."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        raw = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
    path = raw.split("?", 1)[0]
    if "://" in path:  # absolute-form request target
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return [unquote(s, errors="strict") for s in path.split("/")[1:]]


class EmulatorApp:
    """A CloudBees CD REST API v1.0 server in one WSGI callable."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.store = Store(settings.db_path)
        self.latency_ms = settings.latency_ms
        self._counts: Counter[str] = Counter()
        self._requests: deque[Json] = deque(maxlen=2000)
        self._lock = threading.Lock()
        self._faults: list[tuple[int, str, str]] = []  # (status, Retry-After, Location)
        settings.files_dir.mkdir(parents=True, exist_ok=True)

    # -- WSGI entry ------------------------------------------------------------------------
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = self.settings.max_body_bytes
        try:
            segments = raw_segments(environ)
        except UnicodeDecodeError:
            segments = ["<undecodable>"]
        response = self.dispatch(request, segments)
        return response(environ, start_response)

    def dispatch(self, request: Request, segments: list[str]) -> Response:
        if segments[:1] == [CONTROL_PREFIX] and self.settings.controls:
            return self.control(request, segments[1:])
        is_api = segments[:2] == API_PREFIX
        is_publish = any(segments == p for p in PUBLISH_PATHS)
        route = "unknown"
        try:
            if is_publish:
                route = "POST /commander/publishArtifact" if request.method == "POST" else route
                self._record(request, route)
                self._delay()
                if request.method != "POST":
                    raise ApiError(501, "NotImplemented", "Unknown request")
                return publish.handle(self, request)
            if not is_api:
                self._record(request, route)
                raise ApiError(501, "NotImplemented", "Unknown request")
            handler, route = self.route(request.method, segments[2:])
            self._record(request, route)
            self._delay()
            fault = self._next_fault()
            if fault is not None:
                return self._fault_response(*fault)
            if handler is None:
                raise ApiError(
                    501, "NotImplemented", f"Unknown request {request.method} {request.path}"
                )
            call = Call(request, segments[2:], self.arguments(request))
            if handler != self.login:
                call.user = self.authenticate(request)
            return handler(call)
        except ApiError as err:
            return json_response(err.envelope(), err.status)
        except RequestEntityTooLarge:
            too_large = ApiError(413, "InvalidArgument", "The request body is too large")
            return json_response(too_large.envelope(), 413)

    def _record(self, request: Request, route: str) -> None:
        with self._lock:
            self._counts[route] += 1
            self._requests.append(
                {
                    "method": request.method,
                    "route": route,
                    "path": (
                        request.environ.get("RAW_URI")
                        or request.environ.get("REQUEST_URI")
                        or request.path
                    ).split("?", 1)[0],
                    "query": request.query_string.decode("latin-1"),
                }
            )

    def _next_fault(self) -> tuple[int, str, str] | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    @staticmethod
    def _fault_response(status: int, retry_after: str, location: str) -> Response:
        err = ApiError(
            status,
            "ServiceUnavailable" if status >= 500 else "Injected",
            f"Injected fault (HTTP {status})",
        )
        response = json_response(err.envelope(), status)
        if retry_after:
            response.headers["Retry-After"] = retry_after
        if location:
            response.headers["Location"] = location
        return response

    def _delay(self) -> None:
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000)

    # -- routing ---------------------------------------------------------------------------
    def route(self, method: str, segs: list[str]) -> tuple[Callable[[Call], Response] | None, str]:
        """The handler and the route template (used for request counts) of a request."""
        if segs and segs[-1] == "" and not (len(segs) > 1 and segs[0] == "properties"):
            segs = segs[:-1]
        head = segs[0] if segs else ""
        n = len(segs)
        table: dict[tuple[str, str], Callable[[Call], Response]] = {}
        template = "/" + head
        if head == "sessions" and n == 1:
            table = {("POST", ""): self.login, ("DELETE", ""): self.logout}
        elif head == "projects" and n == 1:
            table = {("GET", ""): self.list_projects, ("POST", ""): self.create_project}
        elif head == "projects" and n == 2:
            template = "/projects/{projectName}"
            table = {
                ("GET", ""): self.get_project,
                ("PUT", ""): self.modify_project,
                ("DELETE", ""): self.delete_project,
            }
        elif head == "properties" and n == 1:
            table = {("GET", ""): self.get_sheet, ("POST", ""): self.create_property}
        elif head == "properties" and n > 2 and segs[1] == "":
            template = "/properties//{path}"
            table = {
                ("GET", ""): self.get_property,
                ("PUT", ""): self.put_property,
                ("DELETE", ""): self.delete_property,
            }
        elif head == "properties" and n == 2:
            template = "/properties/{propertyName}"
            table = {
                ("GET", ""): self.get_property,
                ("PUT", ""): self.put_property,
                ("DELETE", ""): self.delete_property,
            }
        elif head == "propertySheets" and n == 2:
            template = "/propertySheets/{propertySheetId}"
            table = {("GET", ""): self.get_sheet_by_id}
        elif head == "artifacts" and n == 1:
            table = {("GET", ""): self.list_artifacts, ("POST", ""): self.create_artifact}
        elif head == "artifacts" and n == 2:
            template = "/artifacts/{artifactName}"
            table = {("GET", ""): self.get_artifact, ("DELETE", ""): self.delete_artifact}
        elif head == "artifactVersions" and n == 1:
            table = {("GET", ""): self.list_versions, ("POST", ""): self.create_version}
        elif head == "artifactVersions" and n == 2:
            template = "/artifactVersions/{artifactVersionName}"
            table = {("GET", ""): self.get_version, ("DELETE", ""): self.delete_version}
        elif head == "repositories" and n == 1:
            table = {("GET", ""): self.list_repositories}
        elif head == "repositories" and n == 2:
            template = "/repositories/{repositoryName}"
            table = {("GET", ""): self.get_repository}
        else:
            return None, f"{method} unknown"
        return table.get((method, "")), f"{method} {template}"

    # -- arguments and authentication ------------------------------------------------------
    @staticmethod
    def arguments(request: Request) -> Args:
        """Query string and JSON body merged; the body wins on a clash."""
        args: Args = {}
        for key in request.args:
            values = request.args.getlist(key)
            args[key] = values if key == "dependentArtifactVersions" else values[-1]
        body = request.get_data(cache=True)
        if body.strip():
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                raise ApiError(
                    400, "InvalidArgument", "The request body is not valid JSON"
                ) from None
            if not isinstance(parsed, dict):
                raise ApiError(400, "InvalidArgument", "The request body must be a JSON object")
            args.update(parsed)
        return args

    def authenticate(self, request: Request, session_id: str | None = None) -> str:
        """The caller's user name: session header, session cookie or HTTP Basic."""
        sid = session_id or request.headers.get("sessionId") or request.cookies.get("sessionId")
        if sid:
            user = self.store.touch_session(sid, self.settings.session_lifetime)
            if user:
                return user
        auth = request.authorization
        if (
            auth is not None
            and auth.type == "basic"
            and auth.username
            and self.store.check_password(auth.username, auth.password or "")
        ):
            return auth.username
        raise ApiError(401, "NoCredentials", "No credentials/session found in this request")

    def require_write(self, call: Call) -> None:
        if not self.store.can_write(call.user):
            raise ApiError(
                403, "AccessDenied", f"User '{call.user}' does not have modify privileges"
            )

    # -- sessions --------------------------------------------------------------------------
    def login(self, call: Call) -> Response:
        token = call.text("token")
        if token:
            user = self.store.user_for_token(token)
            if user is None:
                raise ApiError(401, "InvalidCredentials", "The access token is not valid")
        else:
            user = call.text("userName")
            if not user:
                raise invalid_argument("userName", "a user name is required")
            if not self.store.check_password(user, call.text("password")):
                raise ApiError(401, "InvalidCredentials", "Invalid user name or password")
        session_id = self.store.new_session(user)
        response = json_response({"sessionId": session_id, "userName": user})
        response.set_cookie("sessionId", session_id, httponly=True, path="/")
        return response

    def logout(self, call: Call) -> Response:
        sid = call.request.headers.get("sessionId") or call.request.cookies.get("sessionId")
        if sid:
            self.store.delete_session(sid)
        return json_response({})

    # -- projects --------------------------------------------------------------------------
    def list_projects(self, call: Call) -> Response:
        with self.store.read() as c:
            return json_response({"project": [project_json(r) for r in self.store.projects(c)]})

    def get_project(self, call: Call) -> Response:
        with self.store.read() as c:
            return json_response({"project": project_json(self.store.project(c, call.segments[1]))})

    def create_project(self, call: Call) -> Response:
        self.require_write(call)
        name = call.text("projectName")
        if not 1 <= len(name) <= 255:
            raise invalid_argument("projectName", "1 to 255 characters")
        with self.store.write() as c:
            row = self.store.create_project(
                c, name, call.text("description"), call.user, call.text("pluginKey") or None
            )
        return json_response({"project": project_json(row)})

    def modify_project(self, call: Call) -> Response:
        self.require_write(call)
        with self.store.write() as c:
            row = self.store.project(c, call.segments[1])
            changes: Json = {}
            if call.has("description"):
                changes["description"] = call.text("description")
            new_name = call.text("newName")
            if new_name and new_name != row["name"]:
                if not 1 <= len(new_name) <= 255:
                    raise invalid_argument("newName", "1 to 255 characters")
                if c.execute("SELECT 1 FROM projects WHERE name=?", (new_name,)).fetchone():
                    raise ApiError(
                        409, "DuplicateProjectName", f"Project '{new_name}' already exists"
                    )
                changes["name"] = new_name
            if changes:
                changes["modify_time"] = now_iso()
                changes["last_modified_by"] = call.user
                sets = ", ".join(f"{k}=?" for k in changes)
                c.execute(
                    f"UPDATE projects SET {sets} WHERE id=?",  # noqa: S608 (our keys)
                    (*changes.values(), row["id"]),
                )
            row = self.store.project(c, str(changes.get("name", row["name"])))
        return json_response({"project": project_json(row)})

    def delete_project(self, call: Call) -> Response:
        self.require_write(call)
        with self.store.write() as c:
            row = self.store.project(c, call.segments[1])
            c.execute("DELETE FROM projects WHERE id=?", (row["id"],))
            self.store.delete_sheet_tree(c, row["sheet_id"])
        return json_response({})

    # -- properties: reads -----------------------------------------------------------------
    def _target(self, c: Any, call: Call) -> paths.Target:
        segs = call.segments
        if len(segs) > 2 and segs[1] == "":
            names = segs[2:-1] if segs[-1] == "" else segs[2:]  # a trailing slash is no name
            return paths.target(c, names, True, call.args)
        return paths.target(c, [segs[1]], False, call.args)

    def _renderer(self, c: Any, expand_on: bool) -> Callable[[Row], str | None]:
        def resolve(ref: str, sheet_id: int) -> str | None:
            try:
                if ref.startswith("/"):
                    root, names = paths.owner_root(c, split_path(ref))
                    row = self.store.walk(c, root, names, ref) if names else None
                    return None if row is None else row["value"]
                for sheet in parent_sheets(c, sheet_id):
                    names = split_path(ref)
                    try:
                        row = self.store.walk(c, sheet, names, ref)
                    except ApiError:
                        continue
                    if row is not None and row["value"] is not None:
                        return str(row["value"])
            except ApiError:
                return None
            return None

        def render(row: Row) -> str | None:
            value = row["value"]
            if value is None or not expand_on or not row["expandable"]:
                return None if value is None else str(value)
            return expand(str(value), int(row["sheet_id"]), resolve)

        return render

    def get_property(self, call: Call) -> Response:
        with self.store.read() as c:
            where = self._target(c, call)
            row = self.store.property_in(c, where.parent_sheet, where.name)
            if row is None:
                raise no_such_property(where.shown)
            value = self._renderer(c, call.flag("expand", True))(row)
            return json_response({"property": property_json(row, value)})

    def _sheet_response(self, c: Any, sheet_id: int, call: Call) -> Response:
        sheet = self.store.sheet(c, sheet_id)
        if sheet is None:
            raise ApiError(404, "NoSuchPropertySheet", f"Property sheet {sheet_id} does not exist")
        recurse = call.flag("recurse", False)
        if recurse:
            grouped = self.store.properties_under(c, sheet_id)
        else:
            grouped = {sheet_id: self.store.properties_of(c, sheet_id)}
        render = self._renderer(c, call.flag("expand", True))
        return json_response({"propertySheet": sheet_json(sheet, grouped, recurse, render)})

    def get_sheet(self, call: Call) -> Response:
        with self.store.read() as c:
            sheet_id = paths.sheet_from_path(c, call.text("path"), call.args)
            return self._sheet_response(c, sheet_id, call)

    def get_sheet_by_id(self, call: Call) -> Response:
        try:
            sheet_id = int(call.segments[1])
        except ValueError:
            raise invalid_argument("propertySheetId", "expected an integer") from None
        with self.store.read() as c:
            return self._sheet_response(c, sheet_id, call)

    # -- properties: writes ----------------------------------------------------------------
    def create_property(self, call: Call) -> Response:
        self.require_write(call)
        kind = call.text("propertyType", "string")
        if kind not in ("string", "sheet"):
            raise invalid_argument("propertyType", "expected string or sheet")
        with self.store.write() as c:
            where = paths.path_target(c, call.text("propertyName"), call.args)
            check_property_name(where.name)
            row = self.store.insert_property(
                c,
                where.parent_sheet,
                where.name,
                call.user,
                value=call.text("value"),
                sheet=kind == "sheet",
                description=call.text("description"),
                expandable=call.flag("expandable", True),
                counter=call.flag("counter", False),
            )
        return json_response({"property": property_json(row)})

    def put_property(self, call: Call) -> Response:
        self.require_write(call)
        request_name = call.text("request", "setProperty")
        if request_name == "setProperty":
            return self._set_property(call)
        if request_name == "modifyProperty":
            return self._modify_property(call)
        if request_name == "incrementProperty":
            return self._increment_property(call)
        raise ApiError(501, "NotImplemented", f"Unknown request '{request_name}'")

    def _set_property(self, call: Call) -> Response:
        if not call.has("value"):
            raise invalid_argument("value", "setProperty needs a value")
        value = call.text("value")
        with self.store.write() as c:
            where = self._target(c, call)
            row = self.store.property_in(c, where.parent_sheet, where.name)
            if row is None:
                check_property_name(where.name)
                row = self.store.insert_property(
                    c,
                    where.parent_sheet,
                    where.name,
                    call.user,
                    value=value,
                    description=call.text("description"),
                    expandable=call.flag("expandable", True),
                )
            elif row["child_sheet_id"] is not None:
                raise invalid_argument("value", f"'{where.shown}' is a property sheet")
            else:
                fields: Json = {"value": value}
                if call.has("description"):
                    fields["description"] = call.text("description")
                if call.has("expandable"):
                    fields["expandable"] = int(call.flag("expandable", True))
                row = self.store.update_property(c, row["id"], call.user, **fields)
                self.store.touch_sheet(c, row["sheet_id"], call.user)
        return json_response({"property": property_json(row)})

    def _modify_property(self, call: Call) -> Response:
        with self.store.write() as c:
            where = self._target(c, call)
            row = self.store.property_in(c, where.parent_sheet, where.name)
            if row is None:
                raise no_such_property(where.shown)
            fields: Json = {}
            new_name = call.text("newName")
            if new_name and new_name != row["name"]:
                check_property_name(new_name)
                if self.store.property_in(c, row["sheet_id"], new_name) is not None:
                    raise ApiError(
                        409, "DuplicatePropertyName", f"Property '{new_name}' already exists"
                    )
                fields["name"] = new_name
            if call.has("description"):
                fields["description"] = call.text("description")
            if call.has("expandable"):
                fields["expandable"] = int(call.flag("expandable", True))
            if call.has("value") and row["child_sheet_id"] is None:
                fields["value"] = call.text("value")
            if not fields:
                return json_response({"property": property_json(row)})
            updated = self.store.update_property(c, row["id"], call.user, **fields)
            self.store.touch_sheet(c, row["sheet_id"], call.user)
        # PUT answers carry the changed fields, not the whole object.
        full = property_json(updated)
        changed = {"propertyId", "propertyName", "modifyTime", "lastModifiedBy"}
        changed |= {"propertyName" if k == "name" else k for k in fields}
        return json_response({"property": {k: v for k, v in full.items() if k in changed}})

    def _increment_property(self, call: Call) -> Response:
        try:
            step = int(call.text("incrementBy", "1"))
        except ValueError:
            raise invalid_argument("incrementBy", "expected an integer") from None
        with self.store.write() as c:
            where = self._target(c, call)
            row = self.store.property_in(c, where.parent_sheet, where.name)
            if row is None:
                check_property_name(where.name)
                row = self.store.insert_property(
                    c, where.parent_sheet, where.name, call.user, value=str(step), counter=True
                )
            elif row["child_sheet_id"] is not None:
                raise invalid_argument("incrementBy", f"'{where.shown}' is a property sheet")
            else:
                try:
                    current = int((row["value"] or "0").strip() or "0")
                except ValueError:
                    raise invalid_argument(
                        "incrementBy", f"the value of '{where.shown}' is not an integer"
                    ) from None
                row = self.store.update_property(c, row["id"], call.user, value=str(current + step))
        return json_response({"property": property_json(row)})

    def delete_property(self, call: Call) -> Response:
        self.require_write(call)
        with self.store.write() as c:
            where = self._target(c, call)
            row = self.store.property_in(c, where.parent_sheet, where.name)
            if row is None:
                raise no_such_property(where.shown)
            self.store.delete_property(c, row, call.user)
        return json_response({})

    # -- artifacts -------------------------------------------------------------------------
    @staticmethod
    def _split_name(arg: str, name: str, parts: int) -> list[str]:
        pieces = name.split(":")
        if len(pieces) != parts:
            code = "InvalidVersion" if parts == 3 and len(pieces) > 3 else "InvalidArtifactName"
            raise ApiError(400, code, f"Invalid {arg} '{name}'")
        return pieces

    def list_artifacts(self, call: Call) -> Response:
        with self.store.read() as c:
            rows = c.execute("SELECT * FROM artifacts ORDER BY group_id, artifact_key")
            return json_response({"artifact": [artifact_json(dict(r)) for r in rows]})

    def get_artifact(self, call: Call) -> Response:
        group_id, key = self._split_name("artifactName", call.segments[1], 2)
        with self.store.read() as c:
            return json_response({"artifact": artifact_json(self.store.artifact(c, group_id, key))})

    def create_artifact(self, call: Call) -> Response:
        self.require_write(call)
        group_id = check_artifact_part("groupId", call.text("groupId"))
        key = check_artifact_part("artifactKey", call.text("artifactKey"))
        with self.store.write() as c:
            row = self.store.create_artifact(c, group_id, key, call.text("description"), call.user)
        return json_response({"artifact": artifact_json(row)})

    def delete_artifact(self, call: Call) -> Response:
        self.require_write(call)
        group_id, key = self._split_name("artifactName", call.segments[1], 2)
        with self.store.write() as c:
            row = self.store.artifact(c, group_id, key)
            for version in self.store.artifact_versions(c, row["id"]):
                self.store.delete_sheet_tree(c, version["sheet_id"])
            c.execute("DELETE FROM artifacts WHERE id=?", (row["id"],))
            self.store.delete_sheet_tree(c, row["sheet_id"])
        return json_response({})

    def _versions_response(self, c: Any, rows: list[Row]) -> Json:
        files = self.store.files_of(c, [r["id"] for r in rows])
        return {"artifactVersion": [version_json(r, files.get(r["id"], [])) for r in rows]}

    def list_versions(self, call: Call) -> Response:
        with self.store.read() as c:
            artifact_id = None
            name = call.text("artifactName")
            if name:
                group_id, key = self._split_name("artifactName", name, 2)
                artifact_id = self.store.artifact(c, group_id, key)["id"]
            return json_response(
                self._versions_response(c, self.store.artifact_versions(c, artifact_id))
            )

    def get_version(self, call: Call) -> Response:
        group_id, key, version = self._split_name("artifactVersionName", call.segments[1], 3)
        with self.store.read() as c:
            row = self.store.artifact_version(c, group_id, key, version)
            files = self.store.files_of(c, [row["id"]]).get(row["id"], [])
            return json_response({"artifactVersion": version_json(row, files)})

    def dependents(self, call: Call) -> list[str]:
        raw = call.args.get("dependentArtifactVersions")
        if raw is None or raw == "":
            return []
        items = raw if isinstance(raw, list) else str(raw).split(",")
        out = []
        for item in items:
            text = check_text("dependentArtifactVersions", str(item)).strip()
            if not text:
                continue
            group_id, key, version = self._split_name("dependentArtifactVersions", text, 3)
            check_artifact_part("groupId", group_id)
            check_artifact_part("artifactKey", key)
            check_version(version)
            out.append(text)
        return out

    def create_version(self, call: Call) -> Response:
        self.require_write(call)
        name = call.text("artifactName")
        if name:
            group_id, key = self._split_name("artifactName", name, 2)
        else:
            group_id, key = call.text("groupId"), call.text("artifactKey")
        check_artifact_part("groupId", group_id)
        check_artifact_part("artifactKey", key)
        version = check_version(call.text("version"))
        dependents = self.dependents(call)
        with self.store.write() as c:
            try:
                artifact = self.store.artifact(c, group_id, key)
            except ApiError:
                artifact = self.store.create_artifact(c, group_id, key, "", call.user)
            row = self.store.create_artifact_version(
                c,
                artifact,
                version,
                call.text("repositoryName", "default") or "default",
                call.text("description"),
                dependents,
                "available",
                call.user,
            )
        return json_response({"artifactVersion": version_json(row, [])})

    def delete_version(self, call: Call) -> Response:
        self.require_write(call)
        group_id, key, version = self._split_name("artifactVersionName", call.segments[1], 3)
        with self.store.write() as c:
            row = self.store.artifact_version(c, group_id, key, version)
            c.execute("DELETE FROM artifact_versions WHERE id=?", (row["id"],))
            self.store.delete_sheet_tree(c, row["sheet_id"])
        return json_response({})

    def list_repositories(self, call: Call) -> Response:
        with self.store.read() as c:
            rows = self.store.repositories(c)
        return json_response({"repository": [repository_json(r) for r in rows]})

    def get_repository(self, call: Call) -> Response:
        with self.store.read() as c:
            for row in self.store.repositories(c):
                if row["name"] == call.segments[1]:
                    return json_response({"repository": repository_json(row)})
        raise ApiError(404, "NoSuchRepository", f"Repository '{call.segments[1]}' does not exist")

    # -- test controls (only with --controls) ----------------------------------------------
    def control(self, request: Request, segs: list[str]) -> Response:
        route = "/".join(segs)
        method = request.method
        if route == "sessions/expire" and method == "POST":
            user = request.args.get("userName") or None
            return json_response({"expired": self.store.expire_sessions(user)})
        if route == "latency" and method == "GET":
            return json_response({"latencyMs": self.latency_ms})
        if route == "latency" and method == "PUT":
            try:
                self.latency_ms = max(0, int(request.args.get("ms", "0")))
            except ValueError:
                return json_response(invalid_argument("ms", "expected an integer").envelope(), 400)
            return json_response({"latencyMs": self.latency_ms})
        if route == "counts" and method == "GET":
            with self._lock:
                counts = dict(self._counts)
            return json_response({"counts": counts, "total": sum(counts.values())})
        if route == "counts" and method == "DELETE":
            with self._lock:
                self._counts.clear()
                self._requests.clear()
            return json_response({})
        if route == "faults" and method == "PUT":
            try:
                status = int(request.args.get("status", "503"))
                count = int(request.args.get("count", "1"))
            except ValueError:
                return json_response(invalid_argument("status", "integer").envelope(), 400)
            fault = (status, request.args.get("retryAfter", ""), request.args.get("location", ""))
            with self._lock:
                self._faults = [fault] * count
            return json_response({"pending": count})
        if route == "requests" and method == "GET":
            with self._lock:
                return json_response({"requests": list(self._requests)})
        return json_response(ApiError(501, "NotImplemented", "Unknown control").envelope(), 501)


def create_emulator(settings: EmulatorSettings) -> EmulatorApp:
    """Build an emulator WSGI app (the store is created or opened at ``settings.db_path``)."""
    return EmulatorApp(settings)
