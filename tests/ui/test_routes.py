"""The Findings app's routes through FastAPI's TestClient, with Airflow's real SimpleAuthManager:
anonymous callers, a viewer (reads, cannot mark) and an admin (marks); CSRF and Origin checks;
the JSON API; hostile stored strings; downloads; the brand overview and source health."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from monitor.store.db import factory_for
from monitor.store.models import CollectionRun, Finding, StatusMark, Takedown

pytestmark = pytest.mark.airflow

ORIGIN = {"origin": "http://testserver"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def login(client, tokens, role: str | None):
    client.cookies.clear()
    if role:
        client.cookies.set("_token", tokens[role])


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def finding(settings, finding_id: int) -> Finding:
    with factory_for(settings.database_url)() as session:
        return session.get(Finding, finding_id)


def marks(settings, subject: str = "finding") -> list[StatusMark]:
    with factory_for(settings.database_url)() as session:
        return list(session.scalars(select(StatusMark).where(StatusMark.subject == subject)
                                    .order_by(StatusMark.id)))


def first_id(settings, **where) -> int:
    with factory_for(settings.database_url)() as session:
        query = select(Finding.id).order_by(Finding.id)
        for name, value in where.items():
            query = query.where(getattr(Finding, name) == value)
        return session.scalars(query).first()


# Every route of the app (the owners' signed-link routes are tested in test_links.py). A new
# route must be added here, so that the anonymous test covers it.
ROUTES = [
    ("GET", "/"), ("GET", "/findings"), ("GET", "/findings/{finding_ref}"), ("POST", "/findings/{finding_ref}/mark"),
    ("GET", "/findings/{finding_ref}/evidence.html"), ("GET", "/findings/{finding_ref}/screenshot.png"),
    ("GET", "/findings/{finding_ref}/thumbnail.png"),
    ("GET", "/takedowns/{takedown_ref}.eml"), ("GET", "/brands"), ("GET", "/brands/{brand_id}"), ("GET", "/sources"),
    ("GET", "/api/findings"), ("GET", "/api/findings/{finding_ref}"), ("POST", "/api/findings/{finding_ref}/marks"),
    ("GET", "/campaigns"), ("GET", "/campaigns/{campaign_ref}"), ("GET", "/api/campaigns"),
    ("GET", "/api/campaigns/{campaign_ref}"),
]


def routes(finding_id: int, takedown_id: int) -> list[tuple[str, str]]:
    return [(method, "/monitor" + path.format(finding_ref=finding_id, takedown_ref=takedown_id, brand_id="laopost",
                                              campaign_ref="C1"))
            for method, path in ROUTES]


def test_the_route_list_is_complete(client):
    declared = {(method, route.path) for route in client.plugin_app.routes for method in getattr(route, "methods", ())
                if method != "HEAD" and not route.path.startswith("/act/")}
    assert declared == set(ROUTES)


def test_anonymous_gets_the_login_page_or_401_on_every_route(client, ui_settings):
    finding_id = first_id(ui_settings)
    login(client, {}, None)
    for method, path in routes(finding_id, 1):
        response = client.request(method, path, headers=ORIGIN, data={"mark": "confirmed"} if method == "POST" else None)
        if "/api/" in path:
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/auth/login?next=%2Fmonitor"), (method, path)
    # a forged or expired token is no better than none
    client.cookies.set("_token", "not-a-jwt")
    assert client.get("/monitor/findings").status_code == 303
    assert client.get("/monitor/api/findings").status_code == 403
    assert client.get("/monitor/api/findings", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 403
    assert finding(ui_settings, finding_id).status == "alerted" and marks(ui_settings) == []


def test_viewer_reads_but_cannot_mark(client, tokens, ui_settings):
    finding_id = first_id(ui_settings)
    login(client, tokens, "viewer")
    for path in ("/monitor/findings", f"/monitor/findings/{finding_id}", "/monitor/brands", "/monitor/sources",
                 "/monitor/api/findings", f"/monitor/api/findings/{finding_id}"):
        assert client.get(path).status_code == 200, path
    page = client.get(f"/monitor/findings/{finding_id}").text
    assert "needs edit access to the brand_monitor DAG" in page and 'name="mark"' not in page
    # even with a valid CSRF token and our own origin, the form is refused
    from monitor.ui.security import csrf_token

    token = csrf_token(ui_settings.secret_key, tokens["viewer"])  # the token the viewer's session would get
    response = client.post(f"/monitor/findings/{finding_id}/mark", headers=ORIGIN,
                           data={"mark": "false-positive", "csrf": token})
    assert response.status_code == 403 and "may not change findings" in response.text
    client.cookies.clear()
    response = client.post(f"/monitor/api/findings/{finding_id}/marks", json={"mark": "false-positive"},
                           headers={"Authorization": f"Bearer {tokens['viewer']}"})
    assert response.status_code == 403
    assert finding(ui_settings, finding_id).status == "alerted" and marks(ui_settings) == []


def test_admin_marks_a_false_positive_from_the_page(client, tokens, ui_settings):
    finding_id = first_id(ui_settings)
    login(client, tokens, "admin")
    page = client.get(f"/monitor/findings/{finding_id}").text
    assert 'value="false-positive"' in page
    response = client.post(f"/monitor/findings/{finding_id}/mark", headers=ORIGIN,
                           data={"mark": "false-positive", "note": "the brand's own campaign", "csrf": csrf_of(page)})
    assert response.status_code == 303 and response.headers["location"] == f"../F{finding_id}?done=false-positive"
    assert finding(ui_settings, finding_id).status == "false_positive"
    [mark] = marks(ui_settings)
    assert (mark.subject_id, mark.status, mark.actor, mark.note) == (finding_id, "false_positive", "ui:admin",
                                                                     "the brand's own campaign")
    page = client.get(f"/monitor/findings/{finding_id}?done=false-positive").text
    assert "Marked: False positive." in page and "ui:admin" in page and "closed (false positive)" in page
    # the takedown marks act on the latest draft; a note goes with them
    other = first_id(ui_settings, brand_id="laopost")
    page = client.get(f"/monitor/findings/{other}").text
    client.post(f"/monitor/findings/{other}/mark", headers=ORIGIN,
                data={"mark": "sent", "note": "reported on the registrar's form", "csrf": csrf_of(page)})
    [takedown_mark] = marks(ui_settings, "takedown")
    assert (takedown_mark.status, takedown_mark.actor, takedown_mark.note) == ("sent", "ui:admin",
                                                                               "reported on the registrar's form")
    page = client.get(f"/monitor/findings/{other}").text
    assert 'value="sent"' not in page and 'value="resolved"' in page  # sent once; can still be resolved


def test_posts_need_the_csrf_token_and_our_origin(client, tokens, ui_settings, auth_manager):
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    finding_id = first_id(ui_settings)
    login(client, tokens, "admin")
    good = csrf_of(client.get(f"/monitor/findings/{finding_id}").text)
    # a token minted for another login session of the same user
    other_session = csrf_of(_page_with(client, auth_manager.generate_jwt(SimpleAuthManagerUser(username="admin", role="admin")),
                                       finding_id))
    assert other_session != good
    login(client, tokens, "admin")
    path = f"/monitor/findings/{finding_id}/mark"
    refused = [
        ({"mark": "confirmed"}, ORIGIN),  # no token
        ({"mark": "confirmed", "csrf": "0" * 64}, ORIGIN),  # a wrong one
        ({"mark": "confirmed", "csrf": other_session}, ORIGIN),  # another session's
        ({"mark": "confirmed", "csrf": good}, {"origin": "https://evil.example"}),  # a foreign page
        ({"mark": "confirmed", "csrf": good}, {"origin": "null"}),
        ({"mark": "confirmed", "csrf": good}, {"referer": "https://evil.example/x"}),
        ({"mark": "confirmed", "csrf": good}, {}),  # neither Origin nor Referer
    ]
    for data, headers in refused:
        response = client.post(path, data=data, headers=headers)
        assert response.status_code == 403, (data, headers)
    # the JSON API with the cookie: the token goes in X-CSRF-Token
    api = f"/monitor/api/findings/{finding_id}/marks"
    assert client.post(api, json={"mark": "confirmed"}, headers=ORIGIN).status_code == 403
    assert client.post(api, json={"mark": "confirmed"},
                       headers={"origin": "https://evil.example", "x-csrf-token": good}).status_code == 403
    assert finding(ui_settings, finding_id).status == "alerted" and marks(ui_settings) == []
    # our own page, by Referer when the browser sent no Origin
    response = client.post(path, data={"mark": "confirmed", "csrf": good},
                           headers={"referer": f"http://testserver/monitor/findings/{finding_id}"})
    assert response.status_code == 303 and finding(ui_settings, finding_id).status == "confirmed"
    assert client.post(api, json={"mark": "reopen"}, headers=ORIGIN | {"x-csrf-token": good}).status_code == 200
    assert finding(ui_settings, finding_id).status == "alerted"


def _page_with(client, token: str, finding_id: int) -> str:
    client.cookies.clear()
    client.cookies.set("_token", token)
    return client.get(f"/monitor/findings/{finding_id}").text


def test_json_api_lists_filters_and_marks(client, tokens, ui_settings):
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {tokens['admin']}"}
    everything = client.get("/monitor/api/findings?per_page=200", headers=bearer).json()
    assert everything["total"] == len(everything["findings"]) >= 10
    laopost = client.get("/monitor/api/findings?brand=laopost", headers=bearer).json()
    assert laopost["total"] >= 2 and {f["brand"] for f in laopost["findings"]} == {"laopost"}
    paged = client.get("/monitor/api/findings?per_page=5&page=2&sort=id&order=asc", headers=bearer).json()
    assert [f["id"] for f in paged["findings"]] == sorted(f["id"] for f in everything["findings"])[5:10]
    assert paged["pages"] == -(-everything["total"] // 5)
    by_score = client.get("/monitor/api/findings?sort=score&order=asc&per_page=200", headers=bearer).json()
    assert [f["score"] for f in by_score["findings"]] == sorted(f["score"] for f in everything["findings"])
    text = client.get("/monitor/api/findings?q=customs", headers=bearer).json()
    assert text["total"] >= 1 and all("customs" in (f["url"] + f["identity"]).lower() for f in text["findings"])
    source = client.get("/monitor/api/findings?source=searxng", headers=bearer).json()
    assert 0 < source["total"] <= everything["total"]
    assert client.get("/monitor/api/findings?source=nowhere", headers=bearer).json()["total"] == 0
    assert client.get("/monitor/api/findings?tier=impersonation", headers=bearer).json()["total"] == sum(
        1 for f in everything["findings"] if f["verdict"] == "impersonation")
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    assert client.get(f"/monitor/api/findings?from={tomorrow}", headers=bearer).json()["total"] == 0
    assert client.get(f"/monitor/api/findings?to={tomorrow}", headers=bearer).json()["total"] == everything["total"]
    bad = client.get("/monitor/api/findings?status=gone", headers=bearer)
    assert bad.status_code == 400 and "status='gone'" in bad.json()["detail"]
    one = laopost["findings"][0]
    detail = client.get(f"/monitor/api/findings/{one['id']}", headers=bearer).json()
    assert detail["reasons"] and detail["sightings"][0]["dag_id"] == "brand_monitor"
    assert detail["takedowns"][0]["html_sha256"] and detail["url"].startswith("http")
    assert "[.]" in detail["url_defanged"] and detail["url_defanged"].startswith("hxxp")
    response = client.post(f"/monitor/api/findings/{one['id']}/marks", headers=bearer,
                           json={"mark": "taken-down", "note": "gone since Monday"})
    assert response.status_code == 200 and response.json()["finding"]["status"] == "taken-down"
    assert response.json()["finding"]["marks"][-1] | {"marked_at": None} == {
        "subject": "finding", "subject_id": one["id"], "status": "taken-down", "actor": "ui:admin",
        "note": "gone since Monday", "marked_at": None}
    assert client.post(f"/monitor/api/findings/{one['id']}/marks", headers=bearer,
                       json={"mark": "deleted"}).status_code == 400
    assert client.post("/monitor/api/findings/999999/marks", headers=bearer,
                       json={"mark": "confirmed"}).status_code == 404


def test_hostile_strings_are_escaped_and_defanged(client, tokens, ui_settings):
    from monitor.store.repo import FindingInput, upsert_findings

    now = dt.datetime.now(dt.UTC)
    hostile = "<script>alert(1)</script>\u202eexe.fdp \x1b[2J<img src=x onerror=alert(2)>"
    with factory_for(ui_settings.database_url)() as session:
        upsert_findings(session, [FindingInput(
            brand_id="laopost", canonical_key="page:evil", kind="page", platform=None,
            url="https://laopost.evil.example/<b>pay</b>", label=hostile, score=90, verdict="impersonation",
            reasons=[f"title says {hostile}"], candidate={}, source="searxng", query="<i>laopost</i>")],
            collection_run_id=None, now=now)
        session.commit()
    finding_id = first_id(ui_settings, canonical_key="page:evil")
    login(client, tokens, "admin")
    for path in ("/monitor/findings?q=alert", f"/monitor/findings/{finding_id}"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>pay" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;\\u202eexe.fdp \\x1b[2J" in page, path
        assert "\u202e" not in page and "\x1b" not in page, path
        assert "hxxps://laopost[.]evil[.]example/&lt;b&gt;pay&lt;/b&gt;" in page or "/monitor/findings?" in path
        assert 'href="https://laopost' not in page and "https://laopost.evil" not in page, path
    response = client.get(f"/monitor/findings/{finding_id}")
    assert "script-src" not in response.headers["content-security-policy"]  # no script may run at all
    assert response.headers["x-content-type-options"] == "nosniff"


def test_evidence_is_downloaded_never_rendered(client, tokens, ui_settings):
    finding_id = first_id(ui_settings, brand_id="laopost")
    with factory_for(ui_settings.database_url)() as session:
        takedown = session.scalars(select(Takedown).where(Takedown.finding_id == finding_id)).one()
        takedown.html = b"<html><script>alert(1)</script></html>"
        takedown.screenshot = PNG
        takedown_id = takedown.id
        session.commit()
    login(client, tokens, "admin")
    page = client.get(f"/monitor/findings/{finding_id}").text
    assert f'href="F{finding_id}/evidence.html" download' in page
    assert f'<img class="shot" src="F{finding_id}/screenshot.png"' in page
    assert f'href="../takedowns/T{takedown_id}.eml" download' in page
    html = client.get(f"/monitor/findings/{finding_id}/evidence.html")
    assert html.status_code == 200 and html.content == b"<html><script>alert(1)</script></html>"
    assert html.headers["content-type"] == "application/octet-stream"
    assert html.headers["content-disposition"].startswith("attachment;")
    shot = client.get(f"/monitor/findings/{finding_id}/screenshot.png")
    assert shot.headers["content-type"] == "image/png" and shot.content == PNG
    eml = client.get(f"/monitor/takedowns/{takedown_id}.eml")
    assert eml.headers["content-disposition"] == f'attachment; filename="takedown-T{takedown_id}.eml"'
    assert b"Subject:" in eml.content
    # something that is not a PNG is not shown as an image
    with factory_for(ui_settings.database_url)() as session:
        session.get(Takedown, takedown_id).screenshot = b"<svg onload=alert(1)>"
        session.commit()
    shot = client.get(f"/monitor/findings/{finding_id}/screenshot.png")
    assert shot.headers["content-type"] == "application/octet-stream"
    assert shot.headers["content-disposition"].startswith("attachment;")


def test_brand_overview_counts_charts_and_takedown_times(client, tokens, ui_settings, clock):
    now = clock.now
    with factory_for(ui_settings.database_url)() as session:
        takedowns = list(session.scalars(select(Takedown).where(Takedown.brand_id == "laopost")
                                         .order_by(Takedown.id)))
        assert len(takedowns) >= 3
        for takedown, hours in zip(takedowns[:2], (10.0, 30.0), strict=True):
            takedown.hours_first_seen_to_down, takedown.status, takedown.taken_down_at = hours, "resolved", now
            takedown.finding.status = "taken_down"
        takedowns[2].drafted_at = now - dt.timedelta(days=ui_settings.takedown_reminder_days + 2)
        overdue_finding = takedowns[2].finding_id
        # one older finding, seen 3 days ago
        takedowns[2].finding.first_seen = now - dt.timedelta(days=3)
        session.commit()
    login(client, tokens, "viewer")
    page = client.get("/monitor/brands/laopost").text
    assert "20.0 hours" in page  # the median of 10 and 30
    assert f"Open for more than {ui_settings.takedown_reminder_days} days</dt><dd>1</dd>" in page
    assert f'href="../findings/F{overdue_finding}">F{overdue_finding}</a>' in page
    assert '<h1>Laopost <span lang="lo" class="lo">ໄປສະນີລາວ</span></h1>' in page  # names, not slugs
    per_day, by_source, by_status = (svg.split("</svg>")[0] for svg in page.split("<svg")[1:])
    assert per_day.count('<rect class="bar"') == 30  # one column a day, zeros included
    assert by_source.count('<rect class="bar"') >= 1 and "<title>searxng: " in by_source
    assert "<title>taken-down: 2</title>" in by_status
    three_days_ago = (now - dt.timedelta(days=3)).date().isoformat()
    assert f"<title>{three_days_ago}: 1</title>" in page
    assert "taken-down</a></td><td class=\"num\">2" in page
    everyone = client.get("/monitor/brands").text
    assert "All brands" in everyone and 'href="brands/laopost"' in everyone
    assert client.get("/monitor/brands/nobody").status_code == 404


def test_source_health_shows_failures_first_with_their_dag_run(client, tokens, ui_settings):
    with factory_for(ui_settings.database_url)() as session:
        run = session.scalars(select(CollectionRun).where(CollectionRun.source == "crtsh",
                                                          CollectionRun.brand_id == "laopost")).one()
        run.status, run.error, run.layout_changed, run.canary = "failed", "HTTP 500 <b>x</b>", True, "missing"
        session.commit()
    login(client, tokens, "viewer")
    page = client.get("/monitor/sources").text
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert "crtsh" in first_row and "Laopost" in first_row and "HTTP 500 &lt;b&gt;x&lt;/b&gt;" in first_row
    assert "The source answered with a server error (HTTP 5xx)" in first_row
    assert ">changed<" in first_row and ">missing<" in first_row
    assert 'href="../dags/brand_monitor/runs/manual__2026-11-28T10%3A00%3A00%2B00%3A00"' in first_row


def test_source_health_says_one_plain_sentence_and_keeps_the_detail_a_click_away(client, tokens, ui_settings):
    sentence = ("http://127.0.0.1:9/search?q=laopost: ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=9): "
                "Max retries exceeded with url: /search (Caused by NewConnectionError('<urllib3.connection."
                "HTTPConnection object>: Failed to establish a new connection: [Errno 111] Connection refused')); ")
    with factory_for(ui_settings.database_url)() as session:
        run = session.scalars(select(CollectionRun).where(CollectionRun.source == "searxng",
                                                          CollectionRun.brand_id == "laopost")).one()
        run.status, run.error = "failed", sentence * 5
        session.commit()
    login(client, tokens, "viewer")
    page = client.get("/monitor/sources").text
    row = next(r for r in page.split("<tbody>")[1].split("</tr>") if ">searxng<" in r and "Laopost" in r)
    error_cell = row.split('data-label="Error"')[1]
    shown, raw = error_cell.split("<details", 1)
    assert "Nothing is listening at the source&#39;s address (connection refused)" in shown
    assert "Errno" not in shown and len(shown) < 200
    assert "<summary>details</summary>" in raw and raw.count("Errno 111") == 5


def test_sighting_links_to_its_dag_run(client, tokens, ui_settings):
    finding_id = first_id(ui_settings)
    login(client, tokens, "viewer")
    page = client.get(f"/monitor/findings/{finding_id}").text
    assert 'href="../../dags/brand_monitor/runs/manual__2026-11-28T10%3A00%3A00%2B00%3A00"' in page


def test_a_recorded_dag_is_linked_rather_than_guessed(client, tokens, ui_settings):
    """Runs recorded since migration 0005 name their DAG; older ones are linked by source."""
    with factory_for(ui_settings.database_url)() as session:
        run = session.scalars(select(CollectionRun).where(CollectionRun.source == "crtsh",
                                                          CollectionRun.brand_id == "laopost")).one()
        before = run.status
        run.dag_id, run.status = "brand_monitor_weekly", "failed"
        session.commit()
    try:
        login(client, tokens, "viewer")
        page = client.get("/monitor/sources").text
        assert 'href="../dags/brand_monitor_weekly/runs/manual__2026-11-28T10%3A00%3A00%2B00%3A00"' in page
    finally:
        with factory_for(ui_settings.database_url)() as session:
            run = session.get(CollectionRun, run.id)
            run.dag_id, run.status = None, before
            session.commit()


def test_filters_on_the_page(client, tokens, ui_settings):
    login(client, tokens, "viewer")
    page = client.get("/monitor/findings?brand=laopost&per_page=2").text
    rows = re.findall(r'<td data-label="Brand">(.+?)</td>', page)
    assert rows == ['Laopost <span lang="lo" class="lo">ໄປສະນີລາວ</span>'] * 2 and "next →" in page
    assert '<option value="laopost" selected>Laopost · ໄປສະນີລາວ</option>' in page
    assert re.search(r'<td data-label="ID"><a href="[^"]*findings/F\d+">F\d+</a></td>', page)
    assert client.get("/monitor/findings?sort=evil").status_code == 400
    assert client.get("/monitor/findings?from=yesterday").status_code == 400


def test_an_unknown_brand_is_a_400_naming_the_parameter(client, tokens):
    login(client, tokens, "viewer")
    api = client.get("/monitor/api/findings?brand=lao-airline")
    assert api.status_code == 400
    assert api.json()["detail"].startswith("brand='lao-airline': not a brand of the registry (known: lao-airlines,")
    page = client.get("/monitor/findings?brand=lao-airline")
    assert page.status_code == 400 and "brand=&#39;lao-airline&#39;" in page.text and "0 findings" not in page.text
    known = client.get("/monitor/api/findings?brand=lao-airlines").json()
    assert {f["brand_name"] for f in known["findings"]} <= {"Lao Airlines"}
    assert all(f["ref"] == f"F{f['id']}" and f["brand_name_lo"] == "ການບິນລາວ" for f in known["findings"])


def test_the_plugin_is_registered_by_its_entry_point():
    from importlib.metadata import entry_points

    from airflow.plugins_manager import AirflowPlugin

    [entry] = [e for e in entry_points(group="airflow.plugins") if e.name == "impersonation_monitor"]
    plugin = entry.load()
    assert issubclass(plugin, AirflowPlugin)
    [app] = plugin.fastapi_apps
    assert app["url_prefix"] == "/monitor"
    [view] = plugin.external_views
    assert (view["name"], view["href"], view["destination"]) == ("Findings", "/monitor/findings", "nav")


def test_a_marks_checks_answer_in_order_login_body_finding_origin_csrf_permission(client, tokens, ui_settings):
    """The caller is a dependency; the other checks run in the route's body, after FastAPI has
    read the request's body: the first thing wrong is what the answer names."""
    from monitor.ui.security import csrf_token
    from tests.ui.conftest import SECRET

    finding_id = first_id(ui_settings)
    api = f"/monitor/api/findings/{finding_id}/marks"
    login(client, tokens, None)
    assert client.post("/monitor/api/findings/nope/marks", json={"bad": 1}).status_code == 401
    login(client, tokens, "viewer")
    assert client.post("/monitor/api/findings/nope/marks", json={"bad": 1}).status_code == 422
    assert client.post("/monitor/api/findings/nope/marks", json={"mark": "confirmed"}).status_code == 404
    cross_site = client.post(api, json={"mark": "confirmed"})
    assert cross_site.status_code == 403 and "Origin/Referer" in cross_site.json()["detail"]
    no_token = client.post(api, json={"mark": "confirmed"}, headers=ORIGIN)
    assert no_token.status_code == 403 and "CSRF" in no_token.json()["detail"]
    viewers = ORIGIN | {"x-csrf-token": csrf_token(SECRET, tokens["viewer"])}
    not_an_editor = client.post(api, json={"mark": "confirmed"}, headers=viewers)
    assert not_an_editor.status_code == 403 and "may not change findings" in not_an_editor.json()["detail"]
    assert marks(ui_settings) == [] and finding(ui_settings, finding_id).status == "alerted"


def test_every_request_gives_its_database_connection_back(client, tokens, ui_settings):
    """The request's session is closed when the route returns, whatever it answered."""
    finding_id = first_id(ui_settings)
    login(client, tokens, "admin")
    token = csrf_of(client.get(f"/monitor/findings/{finding_id}").text)
    answers = [client.get(path).status_code for path in (
        "/monitor/findings", f"/monitor/findings/{finding_id}", "/monitor/findings/999999", "/monitor/brands",
        "/monitor/sources", "/monitor/campaigns", "/monitor/api/findings", "/monitor/api/findings?status=gone",
        "/monitor/findings/999999/screenshot.png", "/monitor/act/F1/confirmed?t=forged")]
    assert answers == [200, 200, 404, 200, 200, 200, 200, 400, 404, 403]
    assert client.post(f"/monitor/api/findings/{finding_id}/marks", json={"mark": "confirmed"},
                       headers=ORIGIN | {"x-csrf-token": token}).status_code == 200
    pool = client.plugin_app.state.context.sessions.kw["bind"].pool
    assert pool.checkedout() == 0
