"""The API's long-lived parts, built once per app: the key store on propdesk's database
and the data keys that open the stored access tokens."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from app.keys.crypto import DataKeys
from app.keys.store import KeyStore
from app.services import services

EXTENSION = "propdesk.keys"


@dataclass(frozen=True)
class Keyring:
    """The key store and the data keys of one app."""

    store: KeyStore
    data_keys: DataKeys


def attach_keyring(app: Flask) -> None:
    """Build the keyring of ``app`` (after its services)."""
    with app.app_context():
        found = services()
        keyring = Keyring(KeyStore(found.journal.database), DataKeys(found.settings.data_keys))
    app.extensions[EXTENSION] = keyring


def keyring() -> Keyring:
    """The keyring of the current app."""
    found = current_app.extensions[EXTENSION]
    assert isinstance(found, Keyring)
    return found
