"""Request bodies through the shipped nginx: buffered by nginx on every route but the
publish route, which streams large files to propdesk; propdesk's own upload limit refuses
cleanly; a slow body on another route never holds one of propdesk's threads."""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import requests

from tests.nginx.conftest import MAX_UPLOAD_BYTES, SsoSite
from tests.nginx.oauth2_stand_in import COOKIE
from tests.nginx.test_front_door import logged_in
from tests.support.servers import ADMIN, csrf_from

NGINX_DEFAULT_BODY_LIMIT = 1024 * 1024  # client_max_body_size when a file sets none


def publish(site: SsoSite, http: requests.Session, key: str, payload: bytes) -> requests.Response:
    token = csrf_from(http.get(site.base + "/artifacts/publish", timeout=10).text)
    return http.post(
        site.base + "/artifacts/publish",
        data={"group_id": "com.nginx", "artifact_key": key, "version": "1.0"},
        files=[("files", ("app.bin", payload))],
        headers={"HX-Request": "true", "X-CSRFToken": token},
        allow_redirects=False,
        timeout=120,
    )


def version_exists(site: SsoSite, key: str) -> bool:
    found = requests.get(
        site.emulator.api + f"/artifactVersions/com.nginx:{key}:1.0", auth=ADMIN, timeout=10
    )
    return found.status_code == 200


def test_publish_larger_than_nginx_default_body_limit(sso_site: SsoSite) -> None:
    http = logged_in(sso_site)
    payload = uuid.uuid4().bytes * (2 * NGINX_DEFAULT_BODY_LIMIT // 16)  # 2 MiB
    key = f"big-{uuid.uuid4().hex[:8]}"
    answer = publish(sso_site, http, key, payload)
    assert answer.status_code == 200, answer.text[-500:]
    assert version_exists(sso_site, key)
    sha = hashlib.sha256(payload).hexdigest()
    stored = sso_site.emulator.db.parent / "emulator-files" / sha[:2] / sha
    assert stored.read_bytes() == payload


def test_publish_over_the_upload_limit_is_refused_cleanly(sso_site: SsoSite) -> None:
    http = logged_in(sso_site)
    # Over PROPDESK_MAX_UPLOAD_BYTES plus the 1 MiB allowed for the form's other fields.
    payload = b"x" * (MAX_UPLOAD_BYTES + 2 * 1024 * 1024)
    key = f"over-{uuid.uuid4().hex[:8]}"
    answer = publish(sso_site, http, key, payload)
    # nginx refuses it before streaming (its limit is propdesk's), in propdesk's terms.
    assert answer.status_code == 413, answer.text[-500:]
    notice = json.loads(answer.headers["HX-Trigger"])["notice"]
    assert notice["level"] == "error" and "nothing was sent" in notice["text"]
    assert answer.headers["HX-Reswap"] == "none"
    assert not version_exists(sso_site, key)
    # The connection and the site are fine afterwards.
    assert http.get(sso_site.base + "/artifacts", timeout=10).status_code == 200


def test_a_body_over_the_limit_of_other_routes_is_refused_by_nginx(sso_site: SsoSite) -> None:
    http = sso_site.client("alice")
    answer = http.post(
        sso_site.base + "/login", data={"username": "x" * (11 * 1024 * 1024)}, timeout=60
    )
    assert answer.status_code == 413 and "larger than this site accepts" in answer.text


@contextmanager
def slow_body(site: SsoSite, path: str) -> Iterator[ssl.SSLSocket]:
    """A POST to ``path`` with an SSO cookie whose body never finishes (10 of 1,000 bytes)."""
    context = ssl.create_default_context(cafile=str(site.ca))
    raw = socket.create_connection(("127.0.0.1", site.nginx.port), timeout=10)
    conn = context.wrap_socket(raw, server_hostname="127.0.0.1")
    try:
        conn.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{site.nginx.port}\r\n"
                f"Cookie: {COOKIE}={site.sso.sign_in('slow')}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 1000\r\n\r\nusername=a"
            ).encode()
        )
        yield conn
    finally:
        conn.close()


def test_slow_login_bodies_do_not_starve_healthz(sso_site: SsoSite) -> None:
    # propdesk runs one worker with two threads here: three unfinished bodies would hold
    # all of them if nginx streamed bodies to propdesk.
    with ExitStack() as stack:
        for _ in range(3):
            stack.enter_context(slow_body(sso_site, "/propdesk/login"))
        health = sso_site.client(None).get(sso_site.base + "/healthz", timeout=10)
        assert health.status_code == 200
        page = sso_site.client("alice").get(sso_site.base + "/login", timeout=10)
        assert page.status_code == 200
