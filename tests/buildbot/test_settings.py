"""The Buildbot settings: off by default, a URL checked at start, and the CA bundle that
falls back to ``PROPDESK_CA_BUNDLE``."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError
from app.web.buildbot_access import BuildbotAccess
from tests.support.settings import settings_with


def test_off_unless_a_url_is_set() -> None:
    assert settings_with().buildbot_url == ""


def test_url_is_checked_at_start() -> None:
    with pytest.raises(ConfigError, match="PROPDESK_BUILDBOT_URL must be an http"):
        settings_with(PROPDESK_BUILDBOT_URL="buildbot.example.com")
    url = settings_with(PROPDESK_BUILDBOT_URL="https://bb.example.com/").buildbot_url
    assert url == "https://bb.example.com"


def test_ca_bundle_defaults_to_the_cloudbees_one(tmp_path: Path) -> None:
    cd_ca, bb_ca = tmp_path / "cd.pem", tmp_path / "bb.pem"
    cd_ca.write_text("cd"), bb_ca.write_text("bb")
    url = "https://bb.example.com"
    shared = settings_with(PROPDESK_BUILDBOT_URL=url, PROPDESK_CA_BUNDLE=str(cd_ca))
    assert BuildbotAccess(shared).transport.settings.ca_bundle == cd_ca
    own = settings_with(
        PROPDESK_BUILDBOT_URL=url,
        PROPDESK_CA_BUNDLE=str(cd_ca),
        PROPDESK_BUILDBOT_CA_BUNDLE=str(bb_ca),
    )
    assert BuildbotAccess(own).transport.settings.ca_bundle == bb_ca
    with pytest.raises(ConfigError, match="PROPDESK_BUILDBOT_CA_BUNDLE names no readable file"):
        settings_with(PROPDESK_BUILDBOT_URL=url, PROPDESK_BUILDBOT_CA_BUNDLE=str(tmp_path / "x"))
