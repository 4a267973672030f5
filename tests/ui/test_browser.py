"""The Findings page in a real Airflow api-server, driven by headless Chromium: log in, open
"Findings" from Airflow's navigation, filter by brand, open a finding, mark it a false
positive, and find the mark in the database. Screenshots at 1280 and 360 px wide go to
var/screenshots/ (look at them after a change to the pages)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.store.db import factory_for
from monitor.store.models import Finding, StatusMark
from tests.conftest import ROOT
from tests.ui.apiserver import PASSWORDS, ApiServer

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.airflow]


def _playwright():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.skip("playwright is not installed (pip install playwright; never `playwright install`)")
    return sync_playwright


@pytest.fixture(scope="module")
def server(filled_db, tmp_path_factory):
    _playwright()
    url, folder = filled_db
    database = tmp_path_factory.mktemp("browser-db") / "monitor.db"
    for suffix in ("", "-wal", "-shm"):
        if (folder / f"monitor.db{suffix}").exists():
            shutil.copy(folder / f"monitor.db{suffix}", f"{database}{suffix}")
    with ApiServer(tmp_path_factory.mktemp("airflow-home"), f"sqlite:///{database}",
                   secret_key="browser-test-secret-0123456789") as api:
        api.database_url = f"sqlite:///{database}"
        yield api


def _login(page, server, user: str) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(PASSWORDS[user])
    page.get_by_role("button", name=re.compile("sign in|log in|login", re.I)).click()
    page.wait_for_url(re.compile(r"^(?!.*/auth/login)"), timeout=60_000)


def test_admin_marks_a_false_positive_from_the_airflow_ui(server):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    with _playwright()() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _login(page, server, "admin")
            nav = page.get_by_text("Findings", exact=True).first
            nav.wait_for(timeout=90_000)  # the nav comes from the plugin list the UI fetches
            nav.click()
            frame = page.frame_locator('iframe[title="Findings"]')
            frame.get_by_role("heading", name="Findings").wait_for(timeout=30_000)
            frame.locator('select[name="brand"]').select_option("laopost")
            frame.get_by_role("button", name="Filter").click()
            # the filtered page has replaced the whole list
            # brands by name (and Lao name), not by slug
            expect(frame.locator('td[data-label="Brand"]:not(:has-text("Laopost"))')).to_have_count(0)
            brands = frame.locator('td[data-label="Brand"]').all_inner_texts()
            assert brands and {b.split()[0] for b in brands} == {"Laopost"} and all("ໄປສະນີລາວ" in b for b in brands)
            page.screenshot(path=str(SHOTS / "findings-in-airflow-1280.png"))

            frame.locator('td[data-label="ID"] a').first.click()
            frame.get_by_role("heading", name=re.compile(r"^#\d+")).wait_for()
            finding_id = int(re.search(r"#(\d+)", frame.get_by_role("heading", name=re.compile(r"^#\d+"))
                                       .inner_text()).group(1))
            frame.locator('textarea[name="note"]').fill("the brand's own parcel campaign")
            frame.get_by_role("button", name="False positive").click()
            frame.get_by_text("Marked: False positive.").wait_for()
            page.screenshot(path=str(SHOTS / "finding-marked-in-airflow-1280.png"), full_page=True)

            with factory_for(server.database_url)() as session:
                assert session.get(Finding, finding_id).status == "false_positive"
                mark = session.scalars(select(StatusMark).where(StatusMark.subject_id == finding_id)).one()
            assert (mark.status, mark.actor, mark.note) == ("false_positive", "ui:admin",
                                                            "the brand's own parcel campaign")

            # the same pages on their own, as a phone shows them
            for width in (360, 1280):
                own = browser.new_page(viewport={"width": width, "height": 800})
                own.context.add_cookies(page.context.cookies())
                for name, path in (("findings", "/monitor/findings"), ("finding", f"/monitor/findings/{finding_id}"),
                                   ("brand", "/monitor/brands/laopost"), ("sources", "/monitor/sources")):
                    own.goto(server.url + path)
                    assert own.locator("h1").count() == 1
                    own.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
                own.close()
        finally:
            browser.close()


def test_viewer_sees_no_mark_buttons_and_owners_link_page(server):
    from monitor.settings import Settings
    from monitor.ui.links import action_url

    with _playwright()() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _login(page, server, "viewer")
            with factory_for(server.database_url)() as session:
                finding_id = session.scalars(select(Finding.id).where(Finding.status == "alerted")
                                             .order_by(Finding.id)).first()
            page.goto(f"{server.url}/monitor/findings/{finding_id}")
            assert page.get_by_text("You can read findings but not mark them").is_visible()
            assert page.get_by_role("button", name="False positive").count() == 0

            # an owner's link, opened with no Airflow login at all
            settings = Settings(secret_key="browser-test-secret-0123456789", public_url=server.url + "/")
            from monitor.clock import utcnow

            url = action_url(settings, finding_id, "confirmed", "owner@brand.example", utcnow())
            for width in (360, 1280):
                owner = browser.new_page(viewport={"width": width, "height": 800})
                owner.goto(url)
                assert owner.get_by_role("button", name="Yes, this is fake").is_visible()
                owner.screenshot(path=str(SHOTS / f"owner-confirm-{width}.png"), full_page=True)
                if width == 1280:
                    owner.get_by_role("button", name="Yes, this is fake").click()
                    owner.get_by_text("Thank you").wait_for()
                    owner.screenshot(path=str(SHOTS / "owner-done-1280.png"))
                owner.close()
            with factory_for(server.database_url)() as session:
                assert session.get(Finding, finding_id).status == "confirmed"
                [mark] = session.scalars(select(StatusMark).where(StatusMark.subject_id == finding_id))
            assert mark.actor == "owner@brand.example"
        finally:
            browser.close()
