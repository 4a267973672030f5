"""The pipeline's store step links what it stored: pages of several brands that show one phone
number become one campaign; the brand's own hotline (registry) links nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from monitor import pipeline
from monitor.campaigns.store import campaign_of, list_campaigns
from monitor.detection.models import Candidate
from monitor.settings import Settings
from monitor.store.db import factory_for
from monitor.store.models import Finding
from monitor.store.repo import start_collection_run
from tests.conftest import BRANDS_FILE


def test_store_links_findings_that_share_a_phone_across_brands(migrated_url):
    settings = Settings(database_url=migrated_url, brands_file=BRANDS_FILE, enrich_min_score=101)
    with factory_for(migrated_url)() as session:
        run_id = start_collection_run(session, source="openphish", brand_id="*", window_start=None,
                                      window_end=None, dag_run_id="r", run_type="manual", now=dt.datetime.now(dt.UTC))
        session.commit()
    pages = [
        Candidate(kind="page", id="post", url="https://laopost-customs.xyz/fee", title="Laopost customs fee",
                  text="Pay the fee by BCEL 010-12-00-01234567-001 or call 020 5555 1234"),
        Candidate(kind="page", id="air", url="https://laoairlines-refund.top/", title="Lao Airlines refund",
                  text="ໂທ ໐໒໐ ໕໕໕໕ ໑໒໓໔ for your refund"),
        Candidate(kind="page", id="alone", url="https://laotel-gift.top/", title="Lao Telecom gift",
                  text="claim free data, call 020 9999 8888")]
    collected = pipeline.Collected(
        collection_run_id=run_id, brand="*", source="openphish", status=pipeline.CollectionStatus.OK, errors=(),
        layout_changed=False, queries=1, candidates=tuple(pipeline.Found(page, "feed") for page in pages))
    scored = pipeline.score(settings, collected)
    assert {f.candidate["id"] for f in scored.flagged} == {"post", "air", "alone"}
    pipeline.store(settings, scored)
    with factory_for(migrated_url)() as session:
        ids = {f.candidate["id"]: f.id for f in session.scalars(select(Finding))}
        members = campaign_of(session, list(ids.values()))
        assert set(members) == {ids["post"], ids["air"]}
        total, views = list_campaigns(session)
        assert total == 1 and views[0].brands == ("lao-airlines", "laopost")
