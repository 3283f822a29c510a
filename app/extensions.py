"""Every Flask extension propdesk uses, unbound (``create_app`` binds them)."""

from __future__ import annotations

from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
htmx = HTMX()
limiter = Limiter(get_remote_address, default_limits=[], headers_enabled=False)
