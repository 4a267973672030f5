"""The Findings app: server-rendered pages, a small JSON API and the owners' action pages,
mounted by the plugin on the api-server under /monitor. The HTTP edge: it authenticates and
authorises every route (monitor.ui.auth), checks CSRF and origins (monitor.ui.security),
reads view models (monitor.ui.views) and writes only through monitor.store.repo.

Routes (relative to the mount point):
  GET  findings, findings/{id}, campaigns, campaigns/{id}, brands,
       brands/{brand}, sources                                         pages (Airflow login)
  POST findings/{id}/mark                                              form: mark, note, csrf
  GET  findings/{id}/evidence.html, findings/{id}/screenshot.png,
       takedowns/{id}.eml                                              downloads
  GET  api/findings, api/findings/{id}, api/campaigns, api/campaigns/{id};
       POST api/findings/{id}/marks                                    JSON (Airflow login)
  GET  act/{id}/{action}?t=TOKEN; POST act/{id}/{action}                owners (signed link)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import cached_property
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from monitor.campaigns import describe
from monitor.clock import display_time, utcnow
from monitor.detection.domains import defang
from monitor.settings import Settings
from monitor.ui import campaign_views, charts, links, owner_text, params, views
from monitor.ui.auth import FINDINGS_DAG, AirflowAuth, Caller
from monitor.ui.brands import BrandName, RegistryReader
from monitor.ui.plain import plain_error
from monitor.ui.security import csrf_ok, csrf_token, same_origin, visible

log = logging.getLogger(__name__)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# No script at all; inline styles (the page's <style> and the SVG charts); images from here;
# forms post here; framed only by the Airflow UI on the same origin.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'self'; base-uri 'none'")


class LoginRequired(Exception):  # a control-flow signal, not an error
    def __init__(self, url: str):
        self.url = url


class MarkBody(BaseModel):
    mark: str = Field(description="confirmed, false-positive, taken-down, reopen (the finding); sent, resolved "
                                  "(its latest takedown draft)")
    note: str | None = Field(default=None, max_length=2000)


def _brand_label(brand_id: str, names: dict[str, BrandName], lao: bool = True) -> Markup:
    """A brand as people know it: its name, and its Lao name where the registry has one."""
    name = names.get(brand_id)
    if name is None:
        return escape(visible(brand_id))
    html = escape(visible(name.name))
    if lao and name.name_lo:
        html += Markup(' <span lang="lo" class="lo">') + escape(visible(name.name_lo)) + Markup("</span>")
    return Markup(html)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("monitor.ui", "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["v"] = visible  # control and bidi characters as visible escapes; escaped after
    env.filters["t"] = display_time
    env.filters["defang"] = defang
    env.filters["fref"] = params.finding_ref
    env.filters["tref"] = params.takedown_ref
    env.filters["cref"] = describe.campaign_ref
    env.filters["brand"] = _brand_label
    env.globals["plain_error"] = plain_error
    env.globals["UI_MARKS"] = views.UI_MARKS
    env.globals["OWNER_ACTIONS"] = links.OWNER_ACTIONS
    return env


class FindingsApp:
    """The app and what its routes share: settings (read once, lazily), the session factory,
    the templates, the auth manager adapter and the clock."""

    def __init__(self, settings: Settings | None = None, *, auth: AirflowAuth | None = None,
                 clock: Callable[[], dt.datetime] = utcnow):
        self._settings = settings
        self.auth = auth or AirflowAuth()
        self.clock = clock
        self.templates = _environment()

    @cached_property
    def settings(self) -> Settings:
        return self._settings or Settings.from_env()

    @cached_property
    def sessions(self):
        from monitor.store.db import factory_for

        return factory_for(self.settings.database_url)

    @cached_property
    def brands(self) -> RegistryReader:
        return RegistryReader(self.settings.brands_file)

    @cached_property
    def csrf_secret(self) -> str:
        secret = self.settings.secret_key or self.auth.fallback_secret()
        if not secret:
            raise RuntimeError("no secret for CSRF tokens: set MONITOR_SECRET_KEY or Airflow's [api] secret_key")
        return secret

    def brand_names(self, extra_ids: list[str] = ()) -> dict[str, BrandName]:
        """The registry's brands by id (names, Lao names); slugs alone if it cannot be read."""
        try:
            return self.brands.names(extra_ids)
        except Exception:  # a page must still show, with slugs
            log.exception("cannot read the brand registry %s", self.settings.brands_file)
            return {b: BrandName(b, b, None) for b in extra_ids}

    def checked_filter(self, query: Any, names: dict[str, BrandName]) -> views.FindingFilter:
        """The findings filter of a query string; a brand that is neither in the registry nor in
        the database is a 400 naming the parameter (not an empty list)."""
        f = views.FindingFilter.parse(query)
        if f.brand and f.brand not in names:
            known = ", ".join(names) or "none"
            raise params.BadParameter("brand", f"brand={f.brand!r}: not a brand of the registry (known: {known})")
        return f

    # ------------------------------------------------------------ helpers

    @staticmethod
    def relative_base(request: Request) -> str:
        """The app's root relative to this page ('' or '../'), so links work under any mount
        point and behind any proxy prefix."""
        root = request.scope.get("root_path", "")
        path = request.scope["path"]
        inner = path[len(root):] if root and path.startswith(root) else path
        return "../" * max(0, inner.count("/") - 1)

    def render(self, request: Request, template: str, *, status_code: int = 200, caller: Caller | None = None,
               **context: Any) -> HTMLResponse:
        base = self.relative_base(request)
        context.setdefault("can_edit", False)
        context.setdefault("names", self.brand_names())
        html = self.templates.get_template(template).render(
            base=base, airflow=base + "../", user=caller.name if caller else None,
            csrf=csrf_token(self.csrf_secret, caller.credential) if caller and caller.via == "cookie" else "",
            **context)
        return HTMLResponse(html, status_code=status_code)

    def allowed_hosts(self, request: Request) -> list[str]:
        hosts = [request.headers.get("host", "")]
        if self.settings.public_url:
            from urllib.parse import urlsplit

            hosts.append(urlsplit(self.settings.public_url).netloc)
        return hosts

    def check_post(self, request: Request, caller: Caller | None, presented_csrf: str | None) -> None:
        """A cookie-authorised (or signed-link) POST must come from our own origin, and a
        cookie-authorised one must carry the session's CSRF token; 403 otherwise."""
        if caller is not None and caller.via == "bearer":
            return
        if not same_origin(request.headers.get("origin"), request.headers.get("referer"),
                           self.allowed_hosts(request)):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site request refused (Origin/Referer)")
        if caller is not None and not csrf_ok(self.csrf_secret, caller.credential, presented_csrf):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token; reload the page")

    async def reader(self, request: Request, *, html: bool) -> Caller:
        try:
            caller = await self.auth.caller(request)
        except HTTPException as exc:
            if html and exc.status_code in (401, 403):
                raise LoginRequired(self.auth.login_url(str(request.url.path)
                                                        + (f"?{request.url.query}" if request.url.query else ""))
                                    ) from None
            raise
        if not self.auth.may(caller, "GET"):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"{caller.name} may not read the {FINDINGS_DAG} DAG")
        return caller

    def apply_mark(self, finding_id: int, mark: str, note: str | None, actor: str) -> str:
        """Mark a finding (or its latest takedown draft) through the repository; the outcome in
        words. LookupError: no such finding; ValueError: a mark that does not apply now."""
        from monitor.store import repo
        from monitor.store.models import Finding

        now = self.clock()
        note = params.text(note, "note", limit=2000) or None
        with self.sessions() as session:
            if mark in repo.TAKEDOWN_MARKS:
                if session.get(Finding, finding_id) is None:
                    raise LookupError(f"finding {params.finding_ref(finding_id)} does not exist")
                takedown = views.latest_takedown(session, finding_id)
                if takedown is None:
                    raise ValueError(f"finding {params.finding_ref(finding_id)} has no takedown draft to mark "
                                     f"{mark}")
                repo.mark_takedown(session, takedown.id, mark, note=note, actor=actor, now=now)
                outcome = f"takedown {params.takedown_ref(takedown.id)} marked {mark}"
            elif mark in repo.FINDING_MARKS:
                repo.mark_finding(session, finding_id, mark, note=note, actor=actor, now=now)
                outcome = f"finding {params.finding_ref(finding_id)} marked {mark}"
            else:
                raise ValueError(f"unknown mark {mark!r} (one of: {', '.join(views.UI_MARKS)})")
            session.commit()
        log.info("%s by %s", outcome, actor)
        return outcome


async def _html_reader(request: Request) -> Caller:
    """The caller of a page, who may read findings; else a redirect to the login page (or 403)."""
    return await request.app.state.findings.reader(request, html=True)


async def _api_reader(request: Request) -> Caller:
    """The caller of the JSON API, who may read findings; else 401 or 403."""
    return await request.app.state.findings.reader(request, html=False)


PageCaller = Annotated[Caller, Depends(_html_reader)]
ApiCaller = Annotated[Caller, Depends(_api_reader)]
FormText = Annotated[str, Form()]


def _headers(response: Response, *, referrer: str = "same-origin") -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Referrer-Policy"] = referrer
    response.headers["Cache-Control"] = "no-store"
    return response


def _download(data: bytes, filename: str, media_type: str = "application/octet-stream") -> Response:
    response = Response(data, media_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_row(row: views.FindingRow, raw_url: str | None = None,
              names: dict[str, BrandName] | None = None) -> dict[str, Any]:
    name = (names or {}).get(row.brand)
    return {"id": row.id, "ref": params.finding_ref(row.id), "brand": row.brand,
            "brand_name": name.name if name else row.brand, "brand_name_lo": name.name_lo if name else None, "kind": row.kind, "identity": row.identity, "url": raw_url,
            "url_defanged": row.url, "platform": row.platform, "score": row.score, "verdict": row.verdict,
            "status": row.status, "first_seen": row.first_seen.isoformat(), "last_seen": row.last_seen.isoformat(),
            "takedown": row.takedown, "takedown_ref": params.takedown_ref(row.takedown_id) if row.takedown_id else None}


def _finding_id(raw: str) -> int:
    """A finding's id from a path segment: F26 or 26 (404 for anything else: no such page)."""
    try:
        return params.reference(raw, "finding", params.FINDING_PREFIX)
    except params.BadParameter as exc:
        raise HTTPException(404, f"no such finding: {exc}") from None


def _campaign_id(raw: str) -> int:
    """A campaign's id from a path segment: C7 or 7 (404 for anything else)."""
    try:
        return params.reference(raw, "campaign", params.CAMPAIGN_PREFIX)
    except params.BadParameter as exc:
        raise HTTPException(404, f"no such campaign: {exc}") from None


def _thumbnail_response(ui: FindingsApp, finding_id: int) -> Response:
    """The thumbnail of a finding's latest screenshot, as an image nothing else can be read as."""
    from monitor.notify.thumbnail import thumbnail

    with ui.sessions() as session:
        takedown = views.latest_takedown(session, finding_id)
        data = thumbnail(takedown.screenshot) if takedown is not None else None
    if not data:
        raise HTTPException(404, f"finding {params.finding_ref(finding_id)} has no screenshot")
    response = Response(data, media_type="image/png")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def create_app(settings: Settings | None = None, *, auth: AirflowAuth | None = None,
               clock: Callable[[], dt.datetime] = utcnow) -> FastAPI:
    """The plugin's FastAPI app. Settings default to Settings.from_env(), read at the first
    request (a bad setting then fails that request, not the api-server's start)."""
    ui = FindingsApp(settings, auth=auth, clock=clock)
    app = FastAPI(title="impersonation-monitor findings", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.findings = ui

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        return _headers(RedirectResponse(exc.url, status_code=303))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith(request.scope.get("root_path", "") + "/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        response = ui.render(request, "message.html.j2", status_code=exc.status_code, title=f"{exc.status_code}",
                             message=str(exc.detail))
        return _headers(response)

    @app.exception_handler(params.BadParameter)
    async def _bad_filter(request: Request, exc: params.BadParameter):
        if request.url.path.startswith(request.scope.get("root_path", "") + "/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=400)
        return _headers(ui.render(request, "message.html.j2", status_code=400, title="Bad filter", message=str(exc)))

    # ------------------------------------------------------------ pages

    @app.get("/", include_in_schema=False)
    def home(request: Request, caller: PageCaller):
        return _headers(RedirectResponse(request.scope.get("root_path", "") + "/findings", status_code=303))

    @app.get("/findings", response_class=HTMLResponse)
    def findings_page(request: Request, caller: PageCaller):
        with ui.sessions() as session:
            names = ui.brand_names(views.brand_ids(session))
            f = ui.checked_filter(request.query_params, names)
            page = views.find(session, f)
            sources = views.source_names(session)
            shots = views.with_screenshots(session, [r.id for r in page.rows])
        return _headers(ui.render(request, "findings.html.j2", caller=caller, page=page, f=f, brands=list(names),
                                  names=names, shots=shots,
                                  sources=sources, statuses=[views.shown_status(s) for s in views.FINDING_STATUSES],
                                  tiers=views.TIERS, sorts=list(views.SORTS)))

    @app.get("/findings/{finding_ref}", response_class=HTMLResponse)
    def finding_page(request: Request, finding_ref: str, caller: PageCaller):
        finding_id = _finding_id(finding_ref)
        with ui.sessions() as session:
            found = views.detail(session, finding_id)
            campaign = campaign_views.finding_campaign(session, finding_id) if found else None
        if found is None:
            raise HTTPException(404, f"finding {params.finding_ref(finding_id)} does not exist")
        return _headers(ui.render(request, "finding.html.j2", caller=caller, d=found, campaign=campaign,
                                  can_edit=ui.auth.may(caller, "PUT"), done=request.query_params.get("done", "")))

    @app.post("/findings/{finding_ref}/mark")
    def mark_form(request: Request, finding_ref: str, caller: PageCaller,
                  mark: FormText = "", note: FormText = "", csrf: FormText = ""):
        finding_id = _finding_id(finding_ref)
        ui.check_post(request, caller, csrf)
        if not ui.auth.may(caller, "PUT"):
            raise HTTPException(403, f"{caller.name} may not change findings (needs edit access to the "
                                     f"{FINDINGS_DAG} DAG)")
        try:
            ui.apply_mark(finding_id, mark, note, f"ui:{caller.name}")
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from None
        return _headers(RedirectResponse(f"../{params.finding_ref(finding_id)}?done={mark}", status_code=303))

    @app.get("/findings/{finding_ref}/evidence.html")
    def evidence_html(request: Request, finding_ref: str, _: PageCaller):
        finding_id = _finding_id(finding_ref)
        with ui.sessions() as session:
            takedown = views.latest_takedown(session, finding_id)
            data = takedown.html if takedown is not None else None
        if data is None:
            raise HTTPException(404, f"finding {params.finding_ref(finding_id)} has no saved page")
        # never rendered: a download, of a type no browser renders
        return _download(data, f"finding-{params.finding_ref(finding_id)}-evidence.html.txt")

    @app.get("/findings/{finding_ref}/screenshot.png")
    def screenshot(request: Request, finding_ref: str, _: PageCaller):
        finding_id = _finding_id(finding_ref)
        with ui.sessions() as session:
            takedown = views.latest_takedown(session, finding_id)
            data = takedown.screenshot if takedown is not None else None
        if not data:
            raise HTTPException(404, f"finding {params.finding_ref(finding_id)} has no screenshot")
        if not data.startswith(PNG_MAGIC):  # only a real PNG is shown as an image
            return _download(data, f"finding-{params.finding_ref(finding_id)}-screenshot.bin")
        response = Response(data, media_type="image/png")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/findings/{finding_ref}/thumbnail.png")
    def thumbnail_png(request: Request, finding_ref: str, _: PageCaller):
        finding_id = _finding_id(finding_ref)
        return _thumbnail_response(ui, finding_id)

    @app.get("/takedowns/{takedown_ref}.eml")
    def takedown_eml(request: Request, takedown_ref: str, _: PageCaller):
        takedown_id = params.reference(takedown_ref, "takedown", params.TAKEDOWN_PREFIX)
        from monitor.store.models import Takedown

        with ui.sessions() as session:
            takedown = session.get(Takedown, takedown_id)
            message = takedown.message if takedown is not None else None
        if message is None:
            raise HTTPException(404, f"takedown {takedown_id} does not exist")
        return _download(message.encode("utf-8"), f"takedown-{params.takedown_ref(takedown_id)}.eml",
                         "message/rfc822")

    def _campaign_filter(session: Any, query: Any) -> campaign_views.CampaignFilter:
        """The campaigns filter; a brand neither in the registry nor in the database is a 400."""
        f = campaign_views.CampaignFilter.parse(query)
        names = ui.brand_names(views.brand_ids(session))
        if f.brand and f.brand not in names:
            raise params.BadParameter("brand", f"brand={f.brand!r}: not a brand of the registry "
                                               f"(known: {', '.join(names) or 'none'})")
        return f

    @app.get("/campaigns", response_class=HTMLResponse)
    def campaigns_page(request: Request, caller: PageCaller):
        with ui.sessions() as session:
            f = _campaign_filter(session, request.query_params)
            total, rows = campaign_views.page(session, f)
        return _headers(ui.render(request, "campaigns.html.j2", caller=caller, f=f, total=total, rows=rows,
                                  headline=campaign_views.headline, pages=max(1, -(-total // f.per_page))))

    def _campaign_or_404(campaign_ref: str):  # the page's and the API's lookup
        campaign_id = _campaign_id(campaign_ref)
        with ui.sessions() as session:
            found = campaign_views.detail(session, campaign_id)
        if found is None:
            raise HTTPException(404, f"campaign {describe.campaign_ref(campaign_id)} does not exist")
        return found

    @app.get("/campaigns/{campaign_ref}", response_class=HTMLResponse)
    def campaign_page(request: Request, campaign_ref: str, caller: PageCaller):
        found = _campaign_or_404(campaign_ref)
        return _headers(ui.render(request, "campaign.html.j2", caller=caller, c=found,
                                  line=campaign_views.line_of(found.campaign)))

    @app.get("/brands", response_class=HTMLResponse)
    def brands_page(request: Request, caller: PageCaller):
        return _brand(request, caller, None)

    @app.get("/brands/{brand_id}", response_class=HTMLResponse)
    def brand_page(request: Request, brand_id: str, caller: PageCaller):
        return _brand(request, caller, brand_id)

    def _brand(request: Request, caller: Caller, brand_id: str | None):
        with ui.sessions() as session:
            brands = views.brand_ids(session)
            if brand_id is not None and brand_id not in brands:
                raise HTTPException(404, f"no findings for brand {brand_id!r}")
            o = views.overview(session, brand_id, now=ui.clock(), reminder_days=ui.settings.takedown_reminder_days)
        per_day = charts.columns(o.per_day, title=f"New findings per day, last {o.days} days")
        by_source = charts.bars(o.by_source, title="New findings by source (first seen by)")
        by_status = charts.bars([(s, n) for s, n in o.by_status if n], title="Findings by status")
        return _headers(ui.render(request, "brand.html.j2", caller=caller, o=o, brands=brands, per_day=per_day,
                                  by_source=by_source, by_status=by_status))

    @app.get("/sources", response_class=HTMLResponse)
    def sources_page(request: Request, caller: PageCaller):
        with ui.sessions() as session:
            health = views.source_health(session, now=ui.clock())
        return _headers(ui.render(request, "sources.html.j2", caller=caller, health=health))

    # ------------------------------------------------------------ JSON API

    @app.get("/api/findings")
    def api_findings(request: Request, _: ApiCaller):
        with ui.sessions() as session:
            names = ui.brand_names(views.brand_ids(session))
            f = ui.checked_filter(request.query_params, names)
            page = views.find(session, f)
            urls = views.raw_urls(session, [r.id for r in page.rows])
        return JSONResponse({"total": page.total, "page": f.page, "per_page": f.per_page, "pages": page.pages,
                             "filter": f.as_dict(),
                             "findings": [_json_row(r, urls.get(r.id), names) for r in page.rows]})

    @app.get("/api/findings/{finding_ref}")
    def api_finding(request: Request, finding_ref: str, _: ApiCaller):
        finding_id = _finding_id(finding_ref)
        with ui.sessions() as session:
            found = views.detail(session, finding_id)
            raw_url = views.raw_urls(session, [finding_id]).get(finding_id)
            campaign = campaign_views.finding_campaign(session, finding_id) if found else None
        if found is None:
            raise HTTPException(404, f"finding {params.finding_ref(finding_id)} does not exist")
        return JSONResponse({**_json_detail(found, raw_url, ui.brand_names()),
                             "campaign": {"id": campaign[0], "ref": describe.campaign_ref(campaign[0]), "summary": campaign[1]}
                             if campaign else None})

    @app.get("/api/campaigns")
    def api_campaigns(request: Request, _: ApiCaller):
        with ui.sessions() as session:
            f = _campaign_filter(session, request.query_params)
            total, rows = campaign_views.page(session, f)
        return JSONResponse({"total": total, "page": f.page, "per_page": f.per_page,
                             "campaigns": [campaign_views.as_json(c) for c in rows]})

    @app.get("/api/campaigns/{campaign_ref}")
    def api_campaign(request: Request, campaign_ref: str, _: ApiCaller):
        found = _campaign_or_404(campaign_ref)
        return JSONResponse({**campaign_views.as_json(found.campaign), "asked": found.asked,
                             "summary": campaign_views.line_of(found.campaign),
                             "requests": [{"recipient": r.recipient, "where": r.where, "findings": list(r.members)}
                                          for r in found.requests],
                             "unaddressed": list(found.unaddressed)})

    @app.post("/api/findings/{finding_ref}/marks")
    def api_mark(request: Request, finding_ref: str, body: MarkBody, caller: ApiCaller):
        finding_id = _finding_id(finding_ref)
        ui.check_post(request, caller, request.headers.get("x-csrf-token"))
        if not ui.auth.may(caller, "PUT"):
            raise HTTPException(403, f"{caller.name} may not change findings (needs edit access to the "
                                     f"{FINDINGS_DAG} DAG)")
        try:
            outcome = ui.apply_mark(finding_id, body.mark, body.note, f"ui:{caller.name}")
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(409 if body.mark in views.UI_MARKS else 400, str(exc)) from None
        with ui.sessions() as session:
            found = views.detail(session, finding_id)
            raw_url = views.raw_urls(session, [finding_id]).get(finding_id)
        return JSONResponse({"outcome": outcome, "finding": _json_detail(found, raw_url, ui.brand_names())})

    # ------------------------------------------------------------ owners' signed links

    def _grant(token: str, finding_id: int, action: str) -> links.ActionGrant:
        """A link's grant, checked against the registry now: every address it was signed for
        must still be an owner of the finding's brand (or the staging override)."""
        grant = links.verify(ui.settings.secret_key, token, finding_id, action, ui.clock())
        with ui.sessions() as session:
            brand_id = views.brand_of(session, finding_id)
        if brand_id is None:
            return grant  # no such finding: the page says so
        try:
            owners = ui.brands.owners_of(brand_id)
        except Exception:  # a registry that cannot be read now: refuse, say so
            log.exception("cannot read the brand registry to check an owner's link")
            raise links.LinkError("unavailable", "This link cannot be checked right now. Nothing was changed; "
                                                 "please try again later.") from None
        allowed = (owners or frozenset()) | {e.lower() for e in ui.settings.alert_recipients_override}
        signed_for = {e.strip().lower() for e in grant.email.split(",") if e.strip()}
        if not signed_for or not signed_for <= allowed:
            log.info("refused a link of %s for %s: no longer an owner of %s", grant.email,
                     params.finding_ref(finding_id), brand_id)
            raise links.LinkError("revoked", "This link is no longer valid: it was sent to an address that is no "
                                              "longer an owner of this brand. Nothing was changed.")
        return grant

    def _owner_page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return _headers(ui.render(request, template, status_code=status_code, **context))

    def _said(request: Request, said: owner_text.OwnerMessage, status_code: int = 200) -> HTMLResponse:
        return _owner_page(request, "owner_message.html.j2", status_code, said=said)

    def _link_refused(request: Request, exc: links.LinkError) -> HTMLResponse:
        code = {"expired": 410, "off": 404, "unavailable": 503}.get(exc.reason, 403)
        return _said(request, owner_text.refused(exc.reason, str(exc)), code)

    def _owner_finding(finding_id: int) -> views.OwnerView | None:
        with ui.sessions() as session:
            return views.owner_view(session, finding_id)

    def _recorded(finding_id: int, action: str, actor: str | None = None) -> views.MarkView | None:
        with ui.sessions() as session:
            return views.recorded_mark(session, finding_id, action, actor)

    def _already(request: Request, action: str, mark: views.MarkView, mine: bool) -> HTMLResponse:
        return _said(request, owner_text.already(links.OWNER_ACTIONS[action], action, display_time(mark.marked_at),
                                                 None if mine else mark.actor))

    @app.get("/act/{finding_ref}/{action}", response_class=HTMLResponse)
    def owner_confirm(request: Request, finding_ref: str, action: str, t: str = ""):
        """What a mail scanner or an owner gets by opening a link: a page, nothing changed."""
        finding_id = _finding_id(finding_ref)
        try:
            grant = _grant(t, finding_id, action)
        except links.LinkError as exc:
            return _link_refused(request, exc)
        found = _owner_finding(finding_id)
        if found is None:
            return _said(request, owner_text.not_found(), 404)
        mine = _recorded(finding_id, action, grant.email)
        if mine is not None:
            return _already(request, action, mine, True)
        return _owner_page(request, "owner_confirm.html.j2", o=found, row=found.row, grant=grant, token=t,
                           label=links.OWNER_ACTIONS[action], label_lo=owner_text.ACTIONS_LO[action],
                           thumbnail=f"{quote(action)}/thumbnail.png?t={quote(t, safe='')}" if found.has_screenshot
                           else None, no_draft=action == "sent" and found.takedown_status is None)

    @app.get("/act/{finding_ref}/{action}/thumbnail.png")
    def owner_thumbnail(request: Request, finding_ref: str, action: str, t: str = ""):
        """The screenshot thumbnail the confirmation page shows, behind the same signed link."""
        finding_id = _finding_id(finding_ref)
        try:
            _grant(t, finding_id, action)
        except links.LinkError as exc:
            raise HTTPException(410 if exc.reason == "expired" else 403, str(exc)) from None
        return _thumbnail_response(ui, finding_id)

    @app.post("/act/{finding_ref}/{action}", response_class=HTMLResponse)
    def owner_act(request: Request, finding_ref: str, action: str, t: FormText = "", note: FormText = ""):
        finding_id = _finding_id(finding_ref)
        try:
            grant = _grant(t, finding_id, action)
        except links.LinkError as exc:
            return _link_refused(request, exc)
        ui.check_post(request, None, None)
        found = _owner_finding(finding_id)
        if found is None:
            return _said(request, owner_text.not_found(), 404)
        mine = _recorded(finding_id, action, grant.email)
        if mine is not None:  # a second press of the same link
            return _already(request, action, mine, True)
        row = found.row
        words = links.OWNER_ACTIONS[action]
        already = row.status == action if action != "sent" else found.takedown_status in ("sent", "resolved")
        if already:
            mark = _recorded(finding_id, action)
            if mark is not None:
                return _already(request, action, mark, False)
            return _said(request, owner_text.OwnerMessage(
                "Already recorded", f"This was already recorded as “{words}”. Nothing changed.", "ບັນທຶກໄວ້ແລ້ວ",
                f"ອັນນີ້ໄດ້ຖືກບັນທຶກແລ້ວວ່າ “{owner_text.ACTIONS_LO[action]}”. ບໍ່ມີຫຍັງປ່ຽນແປງ."))
        try:
            ui.apply_mark(finding_id, action, note or f"from the owner's email ({words})", grant.email)
        except ValueError as exc:
            return _said(request, owner_text.nothing_changed(str(exc)), 409)
        return _said(request, owner_text.recorded(words, action, row.identity, grant.email))

    return app


def _json_detail(d: views.FindingDetail, raw_url: str | None, names: dict[str, BrandName]) -> dict[str, Any]:
    return {
        **_json_row(d.row, raw_url, names), "reasons_lo": d.reasons_lo, "reasons": d.reasons, "status_note": d.status_note,
        "alerted_at": _iso(d.alerted_at), "actions": d.actions,
        "sightings": [{"source": s.source, "query": s.query, "seen_at": _iso(s.seen_at), "url_defanged": s.url,
                       "dag_id": s.dag_id, "dag_run_id": s.dag_run_id} for s in d.sightings],
        "takedowns": [{"id": t.id, "ref": params.takedown_ref(t.id), "round": t.round, "state": t.state, "status": t.status, "route": t.route,
                       "addressed_to": t.addressed_to, "recipients": t.recipients, "form_defanged": t.form,
                       "parties": t.parties, "gaps": t.gaps, "evidence_url_defanged": t.evidence_url,
                       "http_status": t.http_status, "page_title": t.page_title, "resolved_ip": t.resolved_ip,
                       "html_sha256": t.html_sha256, "screenshot_sha256": t.screenshot_sha256,
                       "drafted_at": _iso(t.drafted_at), "owner_sent_at": _iso(t.owner_sent_at),
                       "taken_down_at": _iso(t.taken_down_at)} for t in d.takedowns],
        "marks": [{"subject": m.subject, "subject_id": m.subject_id, "status": m.status, "actor": m.actor,
                   "note": m.note, "marked_at": _iso(m.marked_at)} for m in d.marks],
    }
