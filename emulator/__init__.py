"""An emulator of the CloudBees CD REST API v1.0, backed by SQLite.

It plays the upstream server for the demo, for development and for every test, following
``../shared/reference/cloudbees-cd-rest.md``. It is its own WSGI application, imports
nothing from the dashboard (``app``) and is not part of the production image; run it with
``propdesk emulator``.

Layout: ``wsgi`` (dispatch) -> ``routes`` (the route table) -> ``handlers/*`` (one module
per resource) -> ``store/*`` (all SQL); ``publish`` is the multipart publish endpoint,
``controls`` the test controls and fault injection, ``server`` runs it on a port.
"""

from emulator.settings import EmulatorSettings
from emulator.wsgi import EmulatorApp, create_emulator

__all__ = ["EmulatorApp", "EmulatorSettings", "create_emulator"]
