"""The nginx suite's stack, started once: the emulator, propdesk under gunicorn as shipped,
the oauth2-proxy stand-in and a real nginx running the configuration generated from
``deploy/nginx.conf``, over TLS with a throwaway CA (``trustme``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from app import FORM_OVERHEAD_BYTES
from tests.nginx.oauth2_stand_in import COOKIE, OAuth2ProxyStandIn
from tests.support.nginx import NginxProcess, require_nginx
from tests.support.servers import DashboardProcess, EmulatorProcess, dashboard_env

MAX_UPLOAD_BYTES = 3 * 1024 * 1024
"""propdesk's upload limit in this suite: above nginx's default body limit (1 MiB), small
enough that a body over it is cheap to send."""


@dataclass(frozen=True)
class SsoSite:
    """propdesk behind nginx and the SSO stand-in; ``base`` is ``https://.../propdesk``."""

    nginx: NginxProcess
    sso: OAuth2ProxyStandIn
    propdesk: DashboardProcess
    emulator: EmulatorProcess
    ca: Path

    @property
    def base(self) -> str:
        return self.nginx.url + "/propdesk"

    def client(self, sso_user: str | None = "alice") -> requests.Session:
        """A browser-like client trusting the test CA, signed in to SSO as ``sso_user``
        (``None``: no SSO session). It sends a same-site ``Referer`` as browsers do, which
        Flask-WTF checks over https."""
        http = requests.Session()
        # Not the environment's CA bundle (REQUESTS_CA_BUNDLE would override ``verify``).
        http.trust_env = False
        http.verify = str(self.ca)
        http.headers["Referer"] = self.base + "/"
        if sso_user is not None:
            http.cookies.set(COOKIE, self.sso.sign_in(sso_user), domain="127.0.0.1", path="/")
        return http


@pytest.fixture(scope="session")
def sso_site(
    emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SsoSite]:
    exe = require_nginx()
    trustme = pytest.importorskip("trustme")
    folder = tmp_path_factory.mktemp("nginx-site")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(folder / "server.crt"))
    cert.private_key_pem.write_to_path(str(folder / "server.key"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    env = dashboard_env(
        emulator.base_url,
        folder / "sessions",
        PROPDESK_PROXY_COUNT="1",
        PROPDESK_TRUSTED_PROXIES="127.0.0.1/32",
        PROPDESK_TRUSTED_USER_HEADER="X-Auth-Request-User",
        PROPDESK_TRUSTED_HOSTS="127.0.0.1",
        PROPDESK_COOKIE_SECURE="1",
        PROPDESK_MAX_UPLOAD_BYTES=str(MAX_UPLOAD_BYTES),
        PROPDESK_THREADS="2",
        WEB_CONCURRENCY="1",
    )
    propdesk = DashboardProcess(env, folder / "gunicorn.log")
    sso = OAuth2ProxyStandIn()
    try:
        nginx = NginxProcess(
            exe,
            propdesk=f"127.0.0.1:{propdesk.port}",
            sso=sso.address,
            cert=folder / "server.crt",
            key=folder / "server.key",
            publish_limit=MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES,
        )
    except BaseException:
        propdesk.stop()
        sso.stop()
        raise
    yield SsoSite(nginx, sso, propdesk, emulator, folder / "ca.pem")
    nginx.stop()
    sso.stop()
    propdesk.stop()
