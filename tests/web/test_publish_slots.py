"""Every field a refused publish can name has its slot on the form (issue 15): the refusal's
out-of-band messages always find their target (no ``htmx:oobErrorNoTarget``)."""

from __future__ import annotations

import re

from app.web.publish_form import FIELDS
from tests.support.client import Client
from tests.support.servers import DashboardThread


def test_every_field_that_can_carry_an_error_has_its_slot(dashboard: DashboardThread) -> None:
    page = Client(dashboard).get("/artifacts/publish").text
    slots = re.findall(r'<p class="error" id="err-([\w-]+)"', page)
    assert sorted(slots) == sorted(FIELDS)


def test_a_refusal_fills_only_slots_the_form_has(dashboard: DashboardThread) -> None:
    client = Client(dashboard)
    form = client.get("/artifacts/publish").text
    refused = client.http.post(
        dashboard.url + "/artifacts/publish",
        data={"group_id": "", "artifact_key": "", "version": "", "description": "d"},
        headers={"X-CSRFToken": client.token, "HX-Request": "true"},
        timeout=30,
    )
    assert refused.status_code == 422
    for target in re.findall(r'id="(err-[\w-]+)"[^>]*hx-swap-oob', refused.text):
        assert f'id="{target}"' in form, target
