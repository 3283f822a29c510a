"""The emulator's user access tokens (reference section 11): fixed demo tokens, and with
``--controls`` tokens minted for a user and revoked."""

from __future__ import annotations

import requests

from tests.support.servers import EmulatorProcess


def token_login(emulator: EmulatorProcess, token: str) -> requests.Response:
    return requests.post(emulator.api + "/sessions", json={"token": token}, timeout=10)


def test_the_demo_users_have_fixed_tokens(emulator: EmulatorProcess) -> None:
    for user in ("admin", "viewer"):
        answer = token_login(emulator, f"{user}-access-token")
        assert answer.status_code == 200 and answer.json()["userName"] == user


def test_minted_tokens_log_in_until_revoked(emulator: EmulatorProcess) -> None:
    minted = requests.post(
        emulator.base_url + "/_emulator/tokens", params={"userName": "viewer"}, timeout=10
    )
    token = minted.json()["token"]
    assert token_login(emulator, token).json()["userName"] == "viewer"
    gone = requests.delete(emulator.base_url + f"/_emulator/tokens/{token}", timeout=10)
    assert gone.status_code == 200
    refused = token_login(emulator, token)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "InvalidCredentials"
    again = requests.delete(emulator.base_url + f"/_emulator/tokens/{token}", timeout=10)
    assert again.status_code == 404


def test_minting_for_nobody_is_refused(emulator: EmulatorProcess) -> None:
    answer = requests.post(
        emulator.base_url + "/_emulator/tokens", params={"userName": "nobody"}, timeout=10
    )
    assert answer.status_code == 400 and "userName" in answer.json()["error"]["message"]
