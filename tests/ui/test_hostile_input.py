"""Hostile request input gets a 4xx, never a 500: a non-ASCII CSRF token or link signature,
digits that are not ASCII (`²`, `١٢`), dates at the end of the calendar, a NUL, an integer
too large for a column; and a hypothesis property sends arbitrary strings to every parameter
(path, query, form, header) of every route. In process through TestClient (many examples),
and against a real api-server over HTTP (the named cases and fewer examples)."""

from __future__ import annotations

import re
import urllib.parse

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.ui import params
from tests.ui.conftest import copy_database
from tests.ui.test_routes import ORIGIN, csrf_of, first_id, login

pytestmark = pytest.mark.airflow

# Every parameter of every route: (method, path template, query names, form names, header names).
# {f}: a finding, {t}: a takedown, {b}: a brand, {a}: an owner action, {c}: a campaign; FUZZ
# replaces one of them.
PARAMETERS = [
    ("GET", "/findings", ("brand", "status", "tier", "source", "from", "to", "q", "sort", "order", "page",
                          "per_page"), (), ()),
    ("GET", "/findings/{f}", ("done",), (), ()),
    ("POST", "/findings/{f}/mark", (), ("mark", "note", "csrf"), ()),
    ("GET", "/findings/{f}/evidence.html", (), (), ()),
    ("GET", "/findings/{f}/screenshot.png", (), (), ()),
    ("GET", "/findings/{f}/thumbnail.png", (), (), ()),
    ("GET", "/takedowns/{t}.eml", (), (), ()),
    ("GET", "/brands", (), (), ()),
    ("GET", "/brands/{b}", (), (), ()),
    ("GET", "/sources", (), (), ()),
    ("GET", "/api/findings", ("brand", "status", "tier", "source", "from", "to", "q", "sort", "order", "page",
                              "per_page"), (), ()),
    ("GET", "/api/findings/{f}", (), (), ()),
    ("POST", "/api/findings/{f}/marks", (), (), ("x-csrf-token",)),
    ("GET", "/campaigns", ("brand", "page", "per_page"), (), ()),
    ("GET", "/campaigns/{c}", (), (), ()),
    ("GET", "/api/campaigns", ("brand", "page", "per_page"), (), ()),
    ("GET", "/api/campaigns/{c}", (), (), ()),
    ("GET", "/act/{f}/{a}", ("t",), (), ()),
    ("GET", "/act/{f}/{a}/thumbnail.png", ("t",), (), ()),
    ("POST", "/act/{f}/{a}", (), ("t", "note"), ()),
]
NAMED = ["²", "١٢", "１２", "9999-12-31", "0001-01-01", "2026-02-30", "99999999999999999999999", "-1", "0",
         "\x00", "a\x00b", "F\x00", "F99999999999", "T1", "é" * 3000, "%00", "\u202e", "../../etc", "ǅ", "\ud7ff"]
# Anything a URL can carry (no lone surrogates: they cannot be encoded as UTF-8).
HOSTILE = st.one_of(st.sampled_from(NAMED), st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))


def requests_for(template: tuple, value: str, slot: str, known: dict[str, str]) -> tuple[str, str, dict]:
    """One request of a route with `value` in parameter `slot` (the others valid)."""
    method, path, query, form, headers = template
    segments = {k: urllib.parse.quote(value if slot == k else known[k], safe="") for k in ("f", "t", "b", "a", "c")}
    url = "/monitor" + path.format(**segments)
    kwargs: dict = {}
    if query:
        kwargs["params"] = {slot: value} if slot in query else {}
    if method == "POST":
        kwargs["headers"] = dict(ORIGIN)
        if form:
            data = {name: known.get(name, "") for name in form}
            if slot in form:
                data[slot] = value
            kwargs["data"] = data
        else:
            kwargs["json"] = {"mark": value if slot == "mark" else "nonsense"}
        for name in headers:
            if slot == name:
                # a header cannot carry control characters at all (the client refuses them)
                kwargs["headers"][name] = re.sub("[\x00-\x1f\x7f]", "", value).encode("utf-8")
    return method, url, kwargs


def slots(template: tuple) -> list[str]:
    method, path, query, form, headers = template
    return [k for k in "ftbac" if "{" + k + "}" in path] + list(query) + list(form) + list(headers)


@pytest.fixture
def admin(client, tokens, ui_settings):
    finding_id = first_id(ui_settings)
    login(client, tokens, "admin")
    csrf = csrf_of(client.get(f"/monitor/findings/{finding_id}").text)
    return client, {"f": str(finding_id), "t": "1", "b": "laopost", "a": "confirmed", "c": "1", "csrf": csrf,
                    "t_token": ""}


def test_the_named_cases_of_the_report_are_4xx(admin):
    client, known = admin
    for value in ("²", "١٢"):
        response = client.get("/monitor/findings", params={"page": value})
        assert response.status_code == 400 and "page=" in response.text, value
    response = client.get("/monitor/api/findings", params={"to": "9999-12-31"})
    assert response.status_code == 400 and response.json()["detail"].startswith("to='9999-12-31'")
    response = client.post(f"/monitor/findings/{known['f']}/mark", headers=ORIGIN,
                           data={"mark": "confirmed", "csrf": "é" * 64})
    assert response.status_code == 403 and "CSRF" in response.text
    response = client.get(f"/monitor/act/{known['f']}/confirmed", params={"t": "eyJm.é"})
    assert response.status_code == 403 and "not valid" in response.text
    response = client.get("/monitor/findings/99999999999999999999999")
    assert response.status_code == 404


def test_references_are_accepted_with_and_without_their_letter(admin):
    client, known = admin
    f = known["f"]
    for ref in (f, f"F{f}", f"f{f}"):
        assert client.get(f"/monitor/findings/{ref}").status_code == 200, ref
        assert client.get(f"/monitor/api/findings/{ref}").json()["id"] == int(f)
    assert client.get(f"/monitor/findings/T{f}").status_code == 404
    assert params.reference("T24", "takedown", params.TAKEDOWN_PREFIX) == 24
    with pytest.raises(params.BadParameter, match="expected a takedown such as T26"):
        params.reference("F24", "takedown", params.TAKEDOWN_PREFIX)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=HOSTILE, index=st.integers(min_value=0, max_value=10_000))
def test_arbitrary_strings_in_any_parameter_of_any_route_are_never_a_500(admin, value, index):
    client, known = admin
    for template in PARAMETERS:
        names = slots(template)
        slot = names[index % len(names)] if names else ""
        method, url, kwargs = requests_for(template, value, slot, known)
        response = client.request(method, url, **kwargs)
        assert response.status_code < 500, (method, url, kwargs, response.text[:300])


# ---------------------------------------------------------------- a real api-server

@pytest.fixture(scope="module")
def live(filled_db, tmp_path_factory):
    from tests.ui.apiserver import ApiServer

    _, folder = filled_db
    database = tmp_path_factory.mktemp("hostile-db") / "monitor.db"
    copy_database(folder, database)
    with ApiServer(tmp_path_factory.mktemp("airflow-home"), f"sqlite:///{database}",
                   secret_key="hostile-input-secret-0123456789") as api:
        api.database_url = f"sqlite:///{database}"
        yield api


@pytest.fixture(scope="module")
def live_admin(live):
    """An httpx client logged in as the admin (the `_token` cookie the UI would hold)."""
    from tests.ui.apiserver import PASSWORDS

    with httpx.Client(base_url=live.url, timeout=60) as http:
        answer = http.post("/auth/token", json={"username": "admin", "password": PASSWORDS["admin"]})
        assert answer.status_code in (200, 201), answer.text
        http.cookies.set("_token", answer.json()["access_token"])
        from sqlalchemy import select

        from monitor.store.db import factory_for
        from monitor.store.models import Finding

        with factory_for(live.database_url)() as session:
            finding_id = session.scalars(select(Finding.id).order_by(Finding.id)).first()
        page = http.get(f"/monitor/findings/{finding_id}").text
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        yield http, {"f": str(finding_id), "t": "1", "b": "laopost", "a": "confirmed", "c": "1", "csrf": csrf}


def _origin(live) -> dict[str, str]:
    return {"origin": live.url}


@pytest.mark.browser
def test_a_real_api_server_answers_hostile_input_with_4xx(live, live_admin):
    http, known = live_admin
    assert http.get("/monitor/findings", params={"page": "²"}).status_code == 400
    assert http.get("/monitor/findings", params={"page": "١٢"}).status_code == 400
    assert http.get("/monitor/api/findings", params={"to": "9999-12-31"}).status_code == 400
    response = http.post(f"/monitor/findings/{known['f']}/mark", headers=_origin(live),
                         data={"mark": "confirmed", "csrf": "é" * 64})
    assert response.status_code == 403
    assert http.get(f"/monitor/act/{known['f']}/confirmed", params={"t": "eyJm.é"}).status_code == 403
    assert http.get("/monitor/findings", params={"q": "a\x00b"}).status_code == 400
    failures = []
    for template in PARAMETERS:
        for slot in slots(template):
            for value in NAMED:
                method, url, kwargs = requests_for(template, value, slot, known)
                if method == "POST":
                    kwargs["headers"] = {**kwargs["headers"], **_origin(live)}
                response = http.request(method, url, **kwargs)
                if response.status_code >= 500:
                    failures.append((method, url, slot, value, response.status_code))
    assert failures == []
