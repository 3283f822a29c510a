"""Property names reach the right property through nginx: the shipped configuration passes
the request target as the browser sent it (no URI part on ``proxy_pass``) and propdesk
strips the ``/propdesk`` prefix it is told, so ``%2F``, ``%25``, ``?``, ``#``, ``+``, ``..``-like
names and Unicode arrive unchanged. Each name is compared with what the emulator holds.

``[`` and ``]`` are refused in names by CloudBees CD (and propdesk's rule), so ``$[...]``
only appears as ``$`` and brackets' neighbours here; values carry ``$[...]`` unexpanded.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from app.cloudbees import ValidationError
from app.cloudbees.paths import check_property_name
from app.cloudbees.transport import encode_segment
from tests.nginx.conftest import SsoSite
from tests.nginx.test_front_door import logged_in
from tests.support.client import fields
from tests.support.servers import csrf_from

PIECES = st.one_of(
    st.sampled_from([*list(" %#?+&=;:@!$'()*,.~\\\"<>^`{}|"), "%2F", "%25", "%2e", ".."]),
    st.characters(exclude_categories=("Cc", "Cs")),
)
NASTY = st.sampled_from(
    [
        "two words",
        "100%",
        "%2F",
        "a%2Fb",
        "%25",
        "a#b",
        "a?b=c",
        "a+b",
        "...",
        "..x",
        "x..",
        "%2e%2e",
        ". .",
        "ünïcødé",
        "名前",
        "\U0001f600",
        "$(x)",
        "$x",
        "a;b",
        "a\\b",
        " leading",
        "trailing ",
    ]
)


def valid(name: str) -> bool:
    try:
        check_property_name(name)
    except ValidationError:
        return False
    return True


NAMES = st.one_of(NASTY, st.lists(PIECES, min_size=1, max_size=12).map("".join)).filter(valid)


@pytest.fixture(scope="module")
def browsing(sso_site: SsoSite) -> Iterator[tuple[SsoSite, requests.Session, str]]:
    """One CloudBees login through nginx and a project of its own."""
    http = logged_in(sso_site)
    yield sso_site, http, sso_site.emulator.new_project("names")


def at(project: str, name: str) -> str:
    """The property's absolute path as the emulator's REST URL takes it (encoded)."""
    return f"/projects/{project}/{encode_segment(name)}"


def detail_url(site: SsoSite, project: str, name: str, action: str = "browse") -> str:
    return f"{site.base}/{action}/projects/{project}/{encode_segment(name)}"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=NAMES)
@example(name="%2F")
@example(name="a?b=c")
def test_a_name_reads_the_right_property(
    browsing: tuple[SsoSite, requests.Session, str], name: str
) -> None:
    site, http, project = browsing
    value = f"v-{uuid.uuid4().hex}"
    site.emulator.put_value(at(project, name), value)
    page = http.get(detail_url(site, project, name), allow_redirects=False, timeout=30)
    assert page.status_code == 200, (name, page.status_code, page.text[-500:])
    assert value in page.text and site.emulator.value(at(project, name)) == value, name
    assert str(escape(name)) in page.text, name
    # The sheet links to it with the same URL (prefix included) and that link works too.
    sheet = http.get(f"{site.base}/browse/projects/{project}/", timeout=30).text
    link = f'href="/propdesk/browse/projects/{project}/{encode_segment(name)}"'
    assert link in sheet, name


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=NAMES)
@example(name="a%2Fb")
@example(name="..x")
def test_a_name_saves_to_the_right_property(
    browsing: tuple[SsoSite, requests.Session, str], name: str
) -> None:
    site, http, project = browsing
    site.emulator.put_value(at(project, name), "before")
    editor = http.get(
        detail_url(site, project, name, "edit") + "?ctx=detail",
        headers={"HX-Request": "true"},
        timeout=30,
    )
    assert editor.status_code == 200, (name, editor.status_code)
    form = fields(editor.text)
    value = f"after-{uuid.uuid4().hex}"
    form["value"] = value
    token = csrf_from(editor.text) if "csrf_token" in editor.text else form["csrf_token"]
    saved = http.post(
        detail_url(site, project, name, "edit"),
        data=form,
        headers={"HX-Request": "true", "X-CSRFToken": token},
        timeout=30,
    )
    assert saved.status_code == 200, (name, saved.status_code, saved.text[-500:])
    assert site.emulator.value(at(project, name)) == value
    assert not re.search(r"\b5\d\d\b", saved.headers.get("HX-Trigger", ""))
