"""A takedown draft carries a screenshot of the page (the system Chromium, every request
through the fetcher), with its SHA-256 in the text and stored with the evidence; without a
browser the draft says that no screenshot could be taken, and nothing fails."""

from __future__ import annotations

import email
import hashlib
import os
import shutil
from email import policy

import pytest
from sqlalchemy import select

from tests.takedown.conftest import FINDINGS, seed_findings


def _draft(url: str, finding_id: int):
    from monitor.store.db import factory_for
    from monitor.store.models import Takedown

    with factory_for(url)() as session:
        takedown = session.scalars(select(Takedown).where(Takedown.finding_id == finding_id)).one()
        session.expunge(takedown)
    return takedown, email.message_from_string(takedown.message, policy=policy.SMTP)


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_draft_carries_a_screenshot_of_the_page(takedown_env, monkeypatch):
    pytest.importorskip("playwright")
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        pytest.skip("no chromium on this machine (.ci/run installs Debian's)")
    from monitor import pipeline
    from monitor.settings import Settings

    monkeypatch.setenv("MONITOR_SCREENSHOTS", "1")
    ids = seed_findings(takedown_env["url"], [FINDINGS[3]])  # laotel-gift.top/claim, a page on the local web
    assert len(pipeline.draft_takedowns(Settings.from_env(), {}).drafted) == 1
    takedown, message = _draft(takedown_env["url"], ids["url:laotel-gift.top/claim"])
    [picture] = [p for p in message.iter_attachments() if p.get_content_type() == "image/png"]
    png = picture.get_content()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    digest = hashlib.sha256(png).hexdigest()
    assert takedown.screenshot == png and takedown.screenshot_sha256 == digest
    text = message.get_body(("plain",)).get_content()
    assert f"a screenshot of the page, {len(png)} bytes, SHA-256 {digest}" in text
    assert picture.get_filename() == f"screenshot-{digest[:12]}.png"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_a_browser_the_draft_says_so(takedown_env, monkeypatch, tmp_path):
    from monitor import pipeline
    from monitor.settings import Settings

    monkeypatch.setenv("MONITOR_SCREENSHOTS", "1")
    monkeypatch.setenv("MONITOR_CHROMIUM", str(tmp_path / "no-such-browser"))
    monkeypatch.setenv("PATH", str(tmp_path))  # and none on the PATH either
    ids = seed_findings(takedown_env["url"], [FINDINGS[3]])
    assert len(pipeline.draft_takedowns(Settings.from_env(), {}).drafted) == 1
    takedown, message = _draft(takedown_env["url"], ids["url:laotel-gift.top/claim"])
    assert takedown.screenshot is None and "no browser" in takedown.screenshot_error
    assert not [p for p in message.iter_attachments() if p.get_content_type() == "image/png"]
    assert "no browser is installed where the monitor runs, so no screenshot was taken" in \
        message.get_body(("plain",)).get_content()
