"""Owners' signed links on a real api-server, checked against the registry at use time: a link
of an address that is no longer an owner of the brand is "no longer valid" and records
nothing; a link records its answer once, and a second press says what was recorded, when."""

from __future__ import annotations

import datetime as dt
import shutil

import httpx
import pytest
from sqlalchemy import select

from monitor.registry import load_registry
from monitor.store.db import factory_for
from monitor.store.models import Finding, StatusMark
from monitor.ui import links
from tests.conftest import BRANDS_FILE
from tests.ui.conftest import copy_database

pytestmark = [pytest.mark.airflow, pytest.mark.browser]
SECRET = "owner-links-live-secret-0123456789"


@pytest.fixture(scope="module")
def live(filled_db, tmp_path_factory):
    from tests.ui.apiserver import ApiServer

    _, folder = filled_db
    work = tmp_path_factory.mktemp("owner-links")
    database = work / "monitor.db"
    copy_database(folder, database)
    brands = work / "brands.yaml"
    shutil.copy(BRANDS_FILE, brands)
    with ApiServer(work / "airflow", f"sqlite:///{database}", secret_key=SECRET, brands_file=brands) as api:
        api.database_url, api.brands_file = f"sqlite:///{database}", brands
        yield api


def findings_of(live, brand_id: str) -> list[int]:
    with factory_for(live.database_url)() as session:
        return list(session.scalars(select(Finding.id).where(Finding.brand_id == brand_id,
                                                             Finding.status == "alerted").order_by(Finding.id)))


def owner_marks(live, finding_id: int) -> list[StatusMark]:
    with factory_for(live.database_url)() as session:
        return list(session.scalars(select(StatusMark).where(StatusMark.subject == "finding",
                                                             StatusMark.subject_id == finding_id)))


def link(live, finding_id: int, action: str, email: str) -> str:
    token = links.sign(SECRET, finding_id, action, email, dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    return f"/monitor/act/F{finding_id}/{action}?t={token}"


def press(http, live, url: str) -> httpx.Response:
    path, _, query = url.partition("?t=")
    return http.post(path, data={"t": query, "note": "seen in our own shop"}, headers={"origin": live.url})


def test_a_link_records_once_and_a_second_press_says_what_and_when(live):
    brand = load_registry(live.brands_file).brand("laopost")
    finding_id = findings_of(live, "laopost")[0]
    url = link(live, finding_id, "confirmed", ", ".join(brand.recipients))
    with httpx.Client(base_url=live.url, timeout=60) as http:
        assert http.get(url).status_code == 200
        first = press(http, live, url)
        assert first.status_code == 200 and "Thank you" in first.text
        second = press(http, live, url)
        assert second.status_code == 200 and "Already recorded" in second.text
        today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
        assert "with this link on" in second.text and today in second.text
        opened_again = http.get(url)
        assert "Already recorded" in opened_again.text and 'method="post"' not in opened_again.text
    assert [m.status for m in owner_marks(live, finding_id)] == ["confirmed"]


def test_a_link_of_a_removed_owner_is_no_longer_valid_and_records_nothing(live):
    brand = load_registry(live.brands_file).brand("lao-telecom")
    finding_id = findings_of(live, "lao-telecom")[0]
    old_owner = brand.recipients[0]
    url = link(live, finding_id, "false-positive", old_owner)
    with httpx.Client(base_url=live.url, timeout=60) as http:
        assert http.get(url).status_code == 200  # still an owner: the page opens
        # the owner leaves: brands.yaml names someone else (the api-server keeps running)
        text = live.brands_file.read_text("utf-8")
        live.brands_file.write_text(text.replace(old_owner, "new-owner@laotel.example"), "utf-8")
        opened = http.get(url)
        assert opened.status_code == 403 and "no longer valid" in opened.text
        pressed = press(http, live, url)
        assert pressed.status_code == 403 and "no longer valid" in pressed.text
        # the new owner's link works
        fresh = link(live, finding_id, "false-positive", "new-owner@laotel.example")
        assert http.get(fresh).status_code == 200
    assert owner_marks(live, finding_id) == []
    with factory_for(live.database_url)() as session:
        assert session.get(Finding, finding_id).status == "alerted"
