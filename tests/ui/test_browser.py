"""The Findings page in a real Airflow api-server, driven by headless Chromium: log in, open
"Findings" from Airflow's navigation, filter by brand, open a finding, mark it a false
positive, and find the mark in the database; a digest's HTML part (composed by the pipeline,
its related images shown as a mail client shows them) with its thumbnails and bilingual
buttons, one of which opens the owner's page with the screenshot behind the signed link.
Screenshots at 1280 and 360 px wide go to var/screenshots/ (look at them after a change to
the pages); no page is wider than the window, and every image on it decodes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.store.db import factory_for
from monitor.store.models import Finding, StatusMark
from tests.conftest import ROOT
from tests.ui.apiserver import PASSWORDS, ApiServer
from tests.ui.conftest import copy_database

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
    copy_database(folder, database)
    with ApiServer(tmp_path_factory.mktemp("airflow-home"), f"sqlite:///{database}",
                   secret_key="browser-test-secret-0123456789") as api:
        api.database_url = f"sqlite:///{database}"
        yield api


# what would make a phone scroll sideways: the page wider than the window
_PAGE_WIDTH = "() => document.documentElement.scrollWidth"
# every image of the page, loaded (lazy ones too) and decoded: [src, natural width]; 0 is broken
_IMAGES = """async () => {
  const images = [...document.images];
  for (const image of images) { image.loading = "eager"; await image.decode().catch(() => null); }
  return images.map(image => [image.src.slice(0, 80), image.naturalWidth]);
}"""


def _looks_right(page, width: int) -> list:
    """The page fits the window and none of its images is broken; its images."""
    assert page.evaluate(_PAGE_WIDTH) <= width, f"{page.url} is wider than {width} px"
    images = page.evaluate(_IMAGES)
    assert all(natural > 0 for _, natural in images), images
    return images


def _owner_of(brand_id: str) -> str:
    from monitor.registry import load_registry
    from tests.conftest import BRANDS_FILE

    return load_registry(BRANDS_FILE).brand(brand_id).recipients[0]


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
            frame.get_by_role("heading", name=re.compile(r"^F\d+")).wait_for()
            finding_id = int(re.search(r"F(\d+)", frame.get_by_role("heading", name=re.compile(r"^F\d+"))
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
                    images = _looks_right(own, width)
                    if name == "findings":
                        assert any("/thumbnail.png" in src for src, _ in images)  # the list's thumbnails
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
                finding = session.scalars(select(Finding).where(Finding.status == "alerted")
                                          .order_by(Finding.id)).first()
                finding_id, owner_email = finding.id, _owner_of(finding.brand_id)
            page.goto(f"{server.url}/monitor/findings/{finding_id}")
            assert page.get_by_text("You can read findings but not mark them").is_visible()
            assert page.get_by_role("button", name="False positive").count() == 0

            # an owner's link, opened with no Airflow login at all
            settings = Settings(secret_key="browser-test-secret-0123456789", public_url=server.url + "/")
            from monitor.clock import utcnow

            url = action_url(settings, finding_id, "confirmed", owner_email, utcnow())
            for width in (360, 1280):
                owner = browser.new_page(viewport={"width": width, "height": 800})
                owner.goto(url)
                assert owner.get_by_role("button", name="Yes, this is fake").is_visible()
                _looks_right(owner, width)
                owner.screenshot(path=str(SHOTS / f"owner-confirm-{width}.png"), full_page=True)
                if width == 1280:
                    owner.get_by_role("button", name="Yes, this is fake").click()
                    owner.get_by_text("Thank you").wait_for()
                    owner.screenshot(path=str(SHOTS / "owner-done-1280.png"))
                owner.close()
            with factory_for(server.database_url)() as session:
                assert session.get(Finding, finding_id).status == "confirmed"
                [mark] = session.scalars(select(StatusMark).where(StatusMark.subject_id == finding_id))
            assert mark.actor == owner_email
        finally:
            browser.close()


def _digest_html(filled_db, folder: Path, server) -> str:
    """The HTML part of Laopost's digest, composed by the pipeline on a copy of the database
    (the same findings as the server's) with links to the server, its related images (cid:)
    made data: URIs as a mail client shows them."""
    import base64
    import dataclasses

    from sqlalchemy import update

    from monitor import pipeline
    from monitor.settings import Settings
    from monitor.store.models import Alert, Takedown
    from tests.conftest import BRANDS_FILE, parse_message

    _, source = filled_db
    url = copy_database(source, folder / "monitor.db")
    with factory_for(url)() as session:
        session.execute(update(Finding).values(status="new", alert_id=None, alerted_at=None))
        session.execute(update(Takedown).values(delivered_alert_id=None))
        session.commit()
    settings = Settings(database_url=url, brands_file=BRANDS_FILE, outbox_dir=folder / "outbox",
                        secret_key="browser-test-secret-0123456789", public_url=server.url + "/")
    pipeline.alert(dataclasses.replace(settings, mail_from="monitor@example.org"), {"brands": ["laopost"]},
                   pipeline.RunInfo("manual__digest", "manual", None, None, "brand_monitor"), smtp_url=None)
    with factory_for(url)() as session:
        raw = session.scalars(select(Alert.message).where(Alert.kind == "digest", Alert.brand_id == "laopost")
                              .order_by(Alert.id.desc())).first()  # this run's, not the fill's
    message = parse_message(raw.encode("utf-8"))
    html = message.get_body(("html",)).get_content()
    images = [p for p in message.walk() if p.get("Content-ID")]
    assert images, "the digest carries no thumbnail"
    for part in images:
        data = base64.b64encode(part.get_content()).decode("ascii")
        html = html.replace(f"cid:{part['Content-ID'].strip('<>')}", f"data:{part.get_content_type()};base64,{data}")
    assert "cid:" not in html
    return html


def test_a_digest_shows_thumbnails_and_bilingual_buttons_and_a_button_opens_the_owners_page(server, filled_db,
                                                                                            tmp_path):
    html = _digest_html(filled_db, tmp_path, server)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with _playwright()() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            for width in (360, 1280):
                mail = browser.new_page(viewport={"width": width, "height": 800})
                mail.set_content(html)
                images = _looks_right(mail, width)
                assert images and all(src.startswith("data:image/png") for src, _ in images)
                button = mail.get_by_role("link", name=re.compile(r"^Not a fake\s*ບໍ່ແມ່ນຂອງປອມ$")).first
                assert button.is_visible()
                for lao in ("ແມ່ນແລ້ວ, ອັນນີ້ແມ່ນຂອງປອມ", "ມັນຖືກລຶບອອກແລ້ວ", "ຂ້ອຍໄດ້ລາຍງານແລ້ວ"):
                    assert mail.get_by_text(lao).first.is_visible()
                mail.screenshot(path=str(SHOTS / f"digest-{width}.png"), full_page=True)

                # the button opens the owner's page on the server, with the screenshot's
                # thumbnail served behind the same signed link
                button.click()
                mail.wait_for_url(re.compile(r"/monitor/act/\d+/false-positive\?t="))
                assert mail.get_by_role("button", name=re.compile("^Not a fake")).is_visible()
                [(src, natural)] = _looks_right(mail, width)
                assert "/false-positive/thumbnail.png?t=" in src and natural == 240
                mail.screenshot(path=str(SHOTS / f"owner-confirm-from-digest-{width}.png"), full_page=True)
                mail.close()
        finally:
            browser.close()
