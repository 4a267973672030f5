"""The Campaigns pages in a real Airflow api-server, driven by headless Chromium at a phone's
width (390 px) and a desktop's (1280 px): the list, a campaign with what links what, and the
finding page that names its campaign. Screenshots go to var/screenshots/campaign*-{width}.png
(look at them after a change); no page is wider than its window; Lao text is drawn with a Lao
font (fonts-lao), not as boxes."""

from __future__ import annotations

import pytest

from tests.ui.apiserver import ApiServer
from tests.ui.conftest import copy_database
from tests.ui.test_browser import CHROMIUM, SHOTS, _login, _looks_right, _playwright

pytestmark = [pytest.mark.browser, pytest.mark.airflow]

# Is a Lao string drawn with a font that has Lao glyphs? document.fonts.check is true for any
# installed font; compare the width of Lao text with the same count of a missing glyph (a box).
_LAO_DRAWN = """() => {
  const canvas = document.createElement("canvas").getContext("2d");
  canvas.font = "20px 'Noto Sans Lao', 'Phetsarath OT', sans-serif";
  const lao = canvas.measureText("ໄປສະນີລາວ").width;
  const boxes = canvas.measureText("\\u{10FFFD}".repeat(9)).width;
  return [lao, boxes];
}"""


@pytest.fixture(scope="module")
def server(filled_db, tmp_path_factory):
    _playwright()
    _, folder = filled_db
    database = tmp_path_factory.mktemp("campaign-browser-db") / "monitor.db"
    copy_database(folder, database)
    with ApiServer(tmp_path_factory.mktemp("airflow-home"), f"sqlite:///{database}",
                   secret_key="browser-test-secret-0123456789") as api:
        yield api


def test_campaign_pages_at_phone_and_desktop_width(server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with _playwright()() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            login = browser.new_page(viewport={"width": 1280, "height": 900})
            _login(login, server, "viewer")
            for width in (390, 1280):
                page = browser.new_page(viewport={"width": width, "height": 844 if width == 390 else 900})
                page.context.add_cookies(login.context.cookies())
                page.goto(server.url + "/monitor/campaigns")
                assert page.locator("h1").inner_text().startswith("Campaigns")
                rows = page.locator('td[data-label="Campaign"] a')
                assert rows.count() == 1
                _looks_right(page, width)
                page.screenshot(path=str(SHOTS / f"campaigns-{width}.png"), full_page=True)

                rows.first.click()
                page.get_by_role("heading", name="What links them").wait_for()
                links = page.locator("table.links tbody tr")
                assert links.count() >= 3  # the phone, the account, the payment QR code (at least)
                kinds = page.locator('table.links td[data-label="Kind"]').all_inner_texts()
                assert {"phone", "bank account", "payment QR code"} <= set(kinds)
                members = page.locator('td[data-label="ID"] a')
                assert members.count() == 4
                _looks_right(page, width)
                lao, boxes = page.evaluate(_LAO_DRAWN)
                assert lao != boxes, "Lao text is drawn as missing-glyph boxes: install fonts-lao"
                page.screenshot(path=str(SHOTS / f"campaign-{width}.png"), full_page=True)

                members.first.click()
                page.get_by_role("link", name="C1").first.wait_for()
                assert "4 pages, 4 brands" in page.locator("dl.kv").first.inner_text()
                _looks_right(page, width)
                page.screenshot(path=str(SHOTS / f"campaign-member-{width}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
