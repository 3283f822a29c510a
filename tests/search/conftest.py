"""Fixtures for search: demo-like data of one's own, and a plainer server in front of the
emulator.

``PlainerServer`` is the one stand-in here. A real CloudBees CD may refuse to filter on
values and gives no ``path`` or ``totalCount`` (reference section 9); the emulator always
does all three, and cannot be made not to on demand. So a loopback HTTP server forwards
every call to the real emulator and only takes those away: everything else is real.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.cloudbees import CloudBeesClient
from tests.support.servers import EmulatorProcess

HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding"}


def _names_a_value(node: Any) -> bool:
    """Whether a filter (or list of them) filters on ``value``."""
    if isinstance(node, list):
        return any(_names_a_value(n) for n in node)
    if isinstance(node, dict):
        return node.get("propertyName") == "value" or _names_a_value(node.get("filter"))
    return False


class PlainerServer:
    """The emulator behind a proxy that refuses value filters (``refuse_values``) and
    strips ``path`` and ``totalCount`` from search answers (``strip_extras``)."""

    def __init__(self, upstream: EmulatorProcess, *, refuse_values: bool, strip_extras: bool):
        self.upstream = upstream
        self.refuse_values = refuse_values
        self.strip_extras = strip_extras
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        finding = request.args.get("request") == "findObjects"
        if finding and self.refuse_values and _names_a_value(json.loads(body or b"{}")):
            error = {"where": "", "message": "Cannot filter on value", "details": ""}
            refusal = {"error": {**error, "code": "InvalidArgument"}}
            return Response(json.dumps(refusal), 400, content_type="application/json")(
                environ, start_response
            )
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
        answer = requests.request(
            request.method,
            self.upstream.base_url + raw,
            data=body,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            timeout=30,
        )
        content = answer.content
        if finding and self.strip_extras and answer.ok:
            content = json.dumps(self._stripped(answer.json())).encode()
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in HOP_HEADERS]
        return Response(content, answer.status_code, headers=headers)(environ, start_response)

    @staticmethod
    def _stripped(data: dict[str, Any]) -> dict[str, Any]:
        data.pop("totalCount", None)
        data.pop("objectId", None)
        for entry in data.get("object", []):
            entry["property"].pop("path", None)
        return data

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def plainer(emulator: EmulatorProcess) -> Iterator[PlainerServer]:
    server = PlainerServer(emulator, refuse_values=True, strip_extras=True)
    yield server
    server.stop()


@pytest.fixture
def plain_cd(plainer: PlainerServer) -> Iterator[CloudBeesClient]:
    """A client logged in as admin through the plainer server."""
    client = CloudBeesClient.login(plainer.base_url, "admin", "changeme")
    yield client
    client.logout()
