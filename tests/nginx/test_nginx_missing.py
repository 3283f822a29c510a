"""Without nginx the suite skips with one line on a laptop and fails in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import nginx


def test_missing_nginx_skips_on_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nginx, "find_nginx", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt install nginx"):
        nginx.require_nginx()


def test_missing_nginx_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nginx, "find_nginx", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"\.ci/run should have installed it"):
        nginx.require_nginx()


def test_the_generator_refuses_a_shipped_file_it_does_not_know() -> None:
    shipped = nginx.SHIPPED.read_text().replace("listen 443 ssl;", "listen 8443 ssl;")
    with pytest.raises(AssertionError, match="listen 443 ssl"):
        nginx.local_config(
            shipped,
            port=1,
            propdesk="127.0.0.1:2",
            sso="127.0.0.1:3",
            cert=Path("server.crt"),
            key=Path("server.key"),
            logs=Path("logs"),
        )
