"""The emulator keeps a connection open after a request without a body, like a real
CloudBees CD (so connection reuse can be counted at it, by the request log's ``peer``), and
closes it after a request with a body (werkzeug cannot skip an unread body safely)."""

from __future__ import annotations

import requests

from tests.support.servers import ADMIN, EmulatorProcess


def test_gets_share_a_connection_and_a_body_closes_it(emulator: EmulatorProcess) -> None:
    project = emulator.new_project("keepalive")
    emulator.reset_counts()
    with requests.Session() as http:
        for _ in range(3):
            r = http.get(emulator.api + f"/projects/{project}", auth=ADMIN, timeout=10)
            assert r.status_code == 200 and "close" not in r.headers.get("Connection", "")
        write = http.put(
            emulator.api + f"/properties//projects/{project}/k",
            json={"value": "v"},
            auth=ADMIN,
            timeout=10,
        )
        assert write.status_code == 200 and write.headers["Connection"] == "close"
        after = http.get(emulator.api + f"/projects/{project}", auth=ADMIN, timeout=10)
        assert after.status_code == 200
    peers = [r["peer"] for r in emulator.requests_seen()]
    assert len(peers) == 5
    assert len(set(peers[:4])) == 1  # three GETs and the PUT on one connection
    assert peers[4] != peers[0]  # the PUT closed it: a new one after
