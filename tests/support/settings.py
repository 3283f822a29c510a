"""Settings built from an environment in tests: the two values every environment needs, and
``settings_with(NAME=value, ...)`` on top of them."""

from __future__ import annotations

from app.config import Settings

BASE = {"PROPDESK_CD_URL": "https://cd.example.com", "PROPDESK_SECRET_KEY": "k" * 32}


def settings_with(**env: str) -> Settings:
    """``Settings.from_env`` of the required values (``BASE``) and ``env``."""
    return Settings.from_env({**BASE, **env})
