"""Model builders tolerate the variations the reference names (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.cloudbees.errors import AuthenticationError, ServerError, error_from_envelope
from app.cloudbees.models import ArtifactVersion, Project, Property, PropertySheet, as_list


def test_one_element_list_as_bare_object() -> None:
    sheet = PropertySheet.from_json(
        {
            "propertySheetId": "7",
            "property": {"propertyId": "1", "propertyName": "only", "value": "v"},
        }
    )
    assert [p.name for p in sheet.properties] == ["only"]
    assert as_list(None) == [] and as_list({"a": 1}) == [{"a": 1}]


def test_real_types() -> None:
    p = Property.from_json(
        {
            "propertyId": "12",
            "propertyName": "x",
            "value": "1",
            "expandable": "0",
            "counter": "1",
            "tracked": "true",
            "createTime": "2017-11-27T16:34:26.271Z",
        }
    )
    assert p.id == 12 and p.expandable is False and p.counter is True and p.tracked is True
    assert p.create_time == datetime(2017, 11, 27, 16, 34, 26, 271000, tzinfo=UTC)


def test_missing_optional_fields_and_partial_put_answer() -> None:
    p = Property.from_json({"propertyId": "3", "propertyName": "renamed", "description": "new"})
    assert p.value is None and p.create_time is None and p.expandable is True
    assert not p.is_sheet
    project = Project.from_json({"projectName": "P"})
    assert project.id is None and project.plugin_key is None


def test_version_from_name_only_and_string_dependents() -> None:
    v = ArtifactVersion.from_json(
        {"artifactVersionName": "g:k:1.0", "dependentArtifactVersions": "a:b:1, c:d:2"}
    )
    assert (v.group_id, v.artifact_key, v.version) == ("g", "k", "1.0")
    assert v.dependent_versions == ("a:b:1", "c:d:2")


def test_envelope_by_code_first_then_status() -> None:
    err = error_from_envelope(
        400, {"error": {"code": "NoCredentials", "message": "m"}}, "GET", "/x"
    )
    assert isinstance(err, AuthenticationError)  # the code wins over the 400
    html = error_from_envelope(502, "<html>bad gateway</html>", "GET", "/x")
    assert isinstance(html, ServerError) and html.status == 502
