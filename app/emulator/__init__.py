"""An embedded emulator of the CloudBees CD REST API v1.0, backed by SQLite.

It plays the upstream server for the demo, for development and for every test, following
``../shared/reference/cloudbees-cd-rest.md``. It is its own WSGI application and imports
nothing from the dashboard.
"""

from app.emulator.api import EmulatorApp, create_emulator
from app.emulator.settings import EmulatorSettings

__all__ = ["EmulatorApp", "EmulatorSettings", "create_emulator"]
