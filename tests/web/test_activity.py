"""The activity page over real HTTP: filters in the URL, paging, change sets as one line, and
the CSV download with cells escaped against formula injection. The journal is filled through
its own API (the dashboard's database), so the test knows exactly what it holds."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.cloudbees import PropertyPath
from app.journal import Actor, Change, Kind, Snapshot, Source, new_change_set
from tests.support.client import Client
from tests.web.conftest import services_of

HOSTILE = '=HYPERLINK("http://evil.example","x")'


def change(
    path: str,
    before: str | None,
    after: str | None,
    user: str = "bob",
    source: Source = Source.UI,
    change_set: str | None = None,
    description: str = "",
) -> Change:
    return Change(
        PropertyPath.parse(path),
        Kind.PROPERTY,
        Snapshot(before) if before is not None else None,
        Snapshot(after, description) if after is not None else None,
        Actor(user, "sso-" + user),
        source,
        change_set=change_set,
    )


@pytest.fixture
def seeded(admin: Client, project: str) -> str:
    """60 edits by bob, a change set of 3 by carol (an import), a delete by dave and a
    hostile entry by @mallory, all in ``project``."""
    root = f"/projects/{project}"
    journal = services_of(admin.dash).journal
    journal.record([change(f"{root}/many/k{i:02d}", "old", f"new {i}") for i in range(60)])
    batch = new_change_set()
    journal.record(
        [change(f"{root}/set/{n}", None, n, "carol", Source.IMPORT, batch) for n in "abc"]
    )
    journal.record([change(f"{root}/gone", "was", None, "dave")])
    journal.record([change(f"{root}/danger", "-1", HOSTILE, "@mallory", description="+1")])
    return project


def entries(page: str) -> list[str]:
    """The paths of the entries listed (change sets counted by their entries)."""
    return re.findall(r'<a href="/history(/projects/[^"#]+)#entry-\d+"', page)


def test_filters_live_in_the_url(admin: Client, seeded: str) -> None:
    root = f"/projects/{seeded}"
    assert set(entries(admin.get(f"/activity?project={seeded}&user=dave").text)) == {f"{root}/gone"}
    by_sso = entries(admin.get(f"/activity?project={seeded}&user=sso-carol").text)
    assert sorted(by_sso) == [f"{root}/set/a", f"{root}/set/b", f"{root}/set/c"]
    prefix = entries(admin.get(f"/activity?prefix={root}/danger").text)
    assert prefix == [f"{root}/danger"]
    deletes = entries(admin.get(f"/activity?project={seeded}&action=delete").text)
    assert deletes == [f"{root}/gone"]
    imports = admin.get(f"/activity?project={seeded}&source=import").text
    assert imports.count("<details>") == 1 and "3 changes in one change set" in imports
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert entries(admin.get(f"/activity?project={seeded}&since={tomorrow}").text) == []
    assert entries(admin.get(f"/activity?project={seeded}&until={yesterday}").text) == []
    today = datetime.now(UTC).date().isoformat()
    assert len(entries(admin.get(f"/activity?project={seeded}&until={today}").text)) == 50
    bad = admin.get(f"/activity?project={seeded}&since=soon")
    assert bad.status_code == 200 and "Not a date or time" in bad.text
    assert 'value="soon"' in bad.text and f'value="{seeded}"' in bad.text


def test_paging_keeps_the_filters(admin: Client, seeded: str) -> None:
    first = admin.get(f"/activity?project={seeded}&user=bob").text
    assert len(entries(first)) == 50 and "Newer</a>" not in first
    older = re.search(r'<a href="(/activity\?[^"]+)">Older', first)
    assert older is not None and "user=bob" in older.group(1) and "page=2" in older.group(1)
    second = admin.get(older.group(1).replace("&amp;", "&")).text
    assert len(entries(second)) == 10 and "Newer</a>" in second and "Older" not in second
    assert not set(entries(first)) & set(entries(second))
    everything = admin.get("/activity").text
    assert 'href="/activity"' in admin.get("/browse/").text  # the header links here
    assert len(entries(everything)) >= 50


def test_csv_download_escapes_formulas(admin: Client, seeded: str) -> None:
    r = admin.get(f"/activity.csv?project={seeded}")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 65  # every page, not one
    (hostile,) = [row for row in rows if row["path"].endswith("/danger")]
    assert hostile["after_value"] == "'" + HOSTILE
    assert hostile["before_value"] == "'-1" and hostile["after_description"] == "'+1"
    assert hostile["cd_user"] == "'@mallory" and hostile["sso_user"] == "sso-@mallory"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    only = admin.get(f"/activity.csv?project={seeded}&user=dave").text
    assert len(list(csv.DictReader(io.StringIO(only)))) == 1
