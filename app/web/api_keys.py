"""``/settings/api-keys``: the logged-in user's API keys: list, make one (shown once) and
revoke. A key acts as its owner in CloudBees CD through the user access token given when
it is made; propdesk logs in with the token once, refuses a token of another user, and
keeps it encrypted (``PROPDESK_DATA_KEYS``)."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, g, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange

from app.api import upstream
from app.api.keyring import keyring
from app.cloudbees import AuthenticationError, CdSession
from app.cloudbees.sessions import SessionService
from app.htmx import redirect_to, render
from app.keys.models import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MAX_NAME,
    KeyRequest,
    KeyRequestInvalid,
    MintedKey,
    parse_prefixes,
)
from app.services import services
from app.sessions.interface import SessionStoreUnavailable

bp = Blueprint("api_keys", __name__, url_prefix="/settings/api-keys")


class KeyForm(FlaskForm):  # type: ignore[misc]
    """A new key: only the name must be typed; the rest is prefilled."""

    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_NAME)])
    scope = RadioField(
        "Scope",
        choices=[SelectChoice("read-only", "Read-only"), SelectChoice("read-write", "Read-write")],
        default="read-only",
    )
    prefixes = TextAreaField("Path prefixes (one per line; empty = every path)")
    days = IntegerField(
        "Expires after (days)", default=DEFAULT_DAYS, validators=[NumberRange(1, MAX_DAYS)]
    )
    token = PasswordField(
        "CloudBees CD user access token",
        validators=[DataRequired(), Length(max=4096)],
        description="Made in CloudBees CD under your user; the key acts as you, never beyond",
    )


def page(
    form: KeyForm, minted: MintedKey | None = None, status: int = 200, gone: bool = False
) -> Response:
    """The settings page: the user's keys, a new key (once), the form."""
    user = str(g.user)
    response = render(
        "api_keys/index.html",
        status=status,
        form=form,
        keys=keyring().store.list_for(user),
        minted=minted,
        gone=gone,
        can_make=keyring().data_keys.available,
    )
    response.headers["Cache-Control"] = "no-store"  # a new key is on this page once
    return response


SHOWN = "api-key-shown:"
"""Where a new key waits, encrypted, for the one GET that shows it (session store)."""

SHOWN_FOR = 300
"""Seconds a new key waits to be shown."""


def keep_to_show(minted: MintedKey) -> str:
    """Keep ``minted`` (its text encrypted) for the redirected GET; the record's name."""
    ticket = secrets.token_urlsafe(16)
    record = (minted.key.owner, minted.key.id, keyring().data_keys.encrypt(minted.text))
    services().store.set(SHOWN + ticket, record, timeout=SHOWN_FOR)
    return ticket


def take_shown(ticket: str) -> MintedKey | None:
    """The key kept under ``ticket`` for this user, taken (a reload finds nothing)."""
    record = services().store.get(SHOWN + ticket)
    if not isinstance(record, tuple) or len(record) != 3 or record[0] != g.user:
        return None
    owner, key_id, text = record
    if not services().store.delete(SHOWN + ticket):
        return None  # another GET took it first (Redis says so; the file store cannot)
    found = [key for key in keyring().store.list_for(owner) if key.id == key_id]
    return MintedKey(keyring().data_keys.decrypt(text), found[0]) if found else None


@bp.get("/")
def index() -> ResponseReturnValue:
    """The user's keys and the form for a new one (with the new key, once, after making
    it: ``?shown=<ticket>``)."""
    ticket = request.args.get("shown", "")
    minted = take_shown(ticket) if ticket else None
    return page(KeyForm(), minted, gone=bool(ticket) and minted is None)


def token_session(form: KeyForm) -> CdSession | None:
    """Log in with the form's token; ``None`` (with the field's error) when CloudBees CD
    refuses it or it is another user's."""
    try:
        session = SessionService(services().transport).login_with_token(form.token.data or "")
    except AuthenticationError as err:
        form.token.errors = [f"CloudBees CD refused this token: {err.message}"]
        return None
    if session.user_name != g.user:
        form.token.errors = [
            f"This token belongs to {session.user_name or 'another user'}, not to {g.user}"
        ]
        SessionService(services().transport).logout(session)
        return None
    return session


def wanted(form: KeyForm) -> KeyRequest | None:
    """The form as a ``KeyRequest``; ``None`` (with the field's error) when it is not one."""
    try:
        return KeyRequest(
            name=form.name.data or "",
            read_write=form.scope.data == "read-write",
            prefixes=parse_prefixes(form.prefixes.data or ""),
            days=form.days.data or DEFAULT_DAYS,
        )
    except KeyRequestInvalid as err:
        getattr(form, err.field).errors = [err.message]
        return None


@bp.post("/")
def create() -> ResponseReturnValue:
    """Make a key, then redirect to the page that shows it once (a reload of that page
    repeats a GET, which makes nothing and shows the key no more)."""
    form = KeyForm()
    if not keyring().data_keys.available or not form.validate_on_submit():
        return page(form, status=422)
    request_ = wanted(form)
    session = token_session(form) if request_ is not None else None
    if request_ is None or session is None:
        return page(form, status=422)
    token = keyring().data_keys.encrypt(form.token.data or "")
    minted = keyring().store.create(str(g.user), request_, token)
    try:
        services().store.set(upstream.store_key(minted.key), session.session_id, upstream.KEEP)
        ticket = keep_to_show(minted)
    except SessionStoreUnavailable:
        keyring().store.revoke(minted.key.id, minted.key.owner)  # never shown: never usable
        raise
    return redirect_to(url_for("api_keys.index", shown=ticket))


@bp.post("/<int:key_id>/revoke")
def revoke(key_id: int) -> ResponseReturnValue:
    """Revoke one of the user's keys: refused at once on every replica."""
    for key in keyring().store.list_for(str(g.user)):
        if key.id == key_id and keyring().store.revoke(key_id, str(g.user)):
            upstream.forget(key)
    return redirect_to(url_for("api_keys.index"))
