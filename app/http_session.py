"""HTTP mechanics the upstream clients share (CloudBees CD in ``app/cloudbees/transport.py``,
Buildbot in ``app/buildbot/transport.py``): pooled sessions that never keep a server cookie,
the CA bundle TLS is verified against, one deadline for a chain of calls and the timeouts cut
to it, percent-encoded path segments and answers read up to a cap. Each client keeps its own
retry policy and raises its own typed errors; this module knows nothing of Flask or of either
server.
"""

from __future__ import annotations

import json
import os
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from requests.utils import DEFAULT_CA_BUNDLE_PATH

CHUNK_BYTES = 64 * 1024
"""How much of an answer is read at a time."""


class NoCookies(DefaultCookiePolicy):
    """Refuse every cookie a server sets: sessions travel only in explicit headers."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False


def cookieless_session(adapter: HTTPAdapter | None = None) -> requests.Session:
    """A ``requests.Session`` that keeps no server cookie and reads nothing from the
    environment (proxies are read once by the caller, the CA bundle is passed on every call,
    no ``.netrc``); ``adapter`` (retries, pool sizes) serves both ``http`` and ``https``."""
    session = requests.Session()
    session.cookies.set_policy(NoCookies())
    session.trust_env = False
    if adapter is not None:
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


def system_ca_bundle() -> str:
    """The operating system's CA file, or certifi's bundle when the system has none."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.path.isfile(candidate):
            return candidate
    return str(DEFAULT_CA_BUNDLE_PATH)


def tls_verify(ca_bundle: Path | None, verify_tls: bool) -> str | bool:
    """What ``requests`` is given as ``verify`` on every call: the CA bundle (``ca_bundle``,
    else the system's), or ``False`` when verification is switched off."""
    return str(ca_bundle or system_ca_bundle()) if verify_tls else False


@dataclass(frozen=True)
class Deadline:
    """When one chain of calls (a dashboard request, or one call on its own) must be done
    with the server: every attempt, retry and wait of every call in it ends by ``ends_at``
    (on ``time.monotonic()``). ``seconds`` is what it was given, for messages."""

    seconds: float
    ends_at: float

    @classmethod
    def starting_now(cls, seconds: float) -> Deadline:
        """A deadline ``seconds`` from now."""
        return cls(seconds, time.monotonic() + seconds)

    def left(self) -> float:
        """Seconds until the deadline (negative once it has passed)."""
        return self.ends_at - time.monotonic()


def cut_to(left: float, connect: float, read: float) -> tuple[float, float]:
    """The (connect, read) timeouts of one call, each cut to the ``left`` seconds of its
    deadline."""
    return min(connect, left), min(read, left)


def host_of(url: str) -> str:
    """The ``host[:port]`` of a base URL, for messages."""
    return url.split("://", 1)[-1].split("/", 1)[0]


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: tuple[float, float],
    verify: str | bool,
    proxies: dict[str, str],
    params: Any = None,
    data: Any = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> requests.Response:
    """One call as both clients make it: with its (connect, read) timeouts, TLS checked
    against ``verify``, the proxies read once, no redirect followed and the body left
    streaming (for ``read_capped``). ``requests`` errors are the caller's to type."""
    return session.request(
        method,
        url,
        params=params,
        data=data,
        headers=headers,
        auth=auth,
        timeout=timeout,
        verify=verify,
        proxies=proxies,
        allow_redirects=False,
        stream=True,
    )


def json_body(raw: bytes) -> Any:
    """An answer's body as JSON: ``{}`` when it is empty, ``None`` when it is not JSON."""
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        return None


def encode_segment(segment: str) -> str:
    """Percent-encode one path segment; ``.`` and ``..`` are encoded too, so no client or
    proxy can resolve them as relative references."""
    encoded = quote(segment, safe="")
    if segment in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def read_capped(
    response: requests.Response,
    limit: int,
    *,
    too_large: Callable[[], Exception],
    broke_off: Callable[[requests.exceptions.RequestException], Exception],
) -> bytes:
    """A streamed answer's body, read to its end and closed. Past ``limit`` bytes the error
    ``too_large()`` makes is raised; a connection lost midway raises ``broke_off(err)``, so
    each client keeps its own typed errors."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                raise too_large()
            chunks.append(chunk)
    except requests.exceptions.RequestException as err:
        raise broke_off(err) from None
    finally:
        response.close()
    return b"".join(chunks)


__all__ = [
    "CHUNK_BYTES",
    "Deadline",
    "NoCookies",
    "cookieless_session",
    "cut_to",
    "encode_segment",
    "host_of",
    "json_body",
    "read_capped",
    "send",
    "system_ca_bundle",
    "tls_verify",
]
