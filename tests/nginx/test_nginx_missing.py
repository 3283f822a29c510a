"""Without nginx the suite skips with one line on a laptop and fails in CI."""

from __future__ import annotations

import tempfile
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


def test_a_refused_configuration_leaves_no_folder_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A certificate nginx cannot load fails ``nginx -t``: the run's folder under /tmp goes
    too. ``mkdtemp`` is wrapped (not replaced) only to learn that folder's name."""
    exe = nginx.require_nginx()
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def spying_mkdtemp(**kwargs: str) -> str:
        made.append(real_mkdtemp(**kwargs))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", spying_mkdtemp)
    with pytest.raises(RuntimeError, match="nginx refused the configuration"):
        nginx.NginxProcess(
            exe,
            propdesk="127.0.0.1:2",
            sso="127.0.0.1:3",
            cert=tmp_path / "missing.crt",
            key=tmp_path / "missing.key",
        )
    assert len(made) == 1 and made[0].startswith("/tmp/propdesk-nginx-")
    assert not Path(made[0]).exists()
