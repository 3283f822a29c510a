"""``/sessions``: log in (password or access token) and log out."""

from __future__ import annotations

from werkzeug.wrappers import Response

from emulator.auth import session_id_of
from emulator.errors import ApiError, invalid_argument
from emulator.http import Call, json_response


def login(call: Call) -> Response:
    """A new session for a user name and password or an access token (no login needed)."""
    store = call.store
    token = call.text("token")
    if token:
        user = store.user_for_token(token)
        if user is None:
            raise ApiError(401, "InvalidCredentials", "The access token is not valid")
    else:
        user = call.text("userName")
        if not user:
            raise invalid_argument("userName", "a user name is required")
        if not store.check_password(user, call.text("password")):
            raise ApiError(401, "InvalidCredentials", "Invalid user name or password")
    session_id = store.new_session(user)
    response = json_response({"sessionId": session_id, "userName": user})
    response.set_cookie("sessionId", session_id, httponly=True, path="/")
    return response


def logout(call: Call) -> Response:
    sid = session_id_of(call.request)
    if sid:
        call.store.delete_session(sid)
    return json_response({})
