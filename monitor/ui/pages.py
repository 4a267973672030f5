"""The HTML pages: the Jinja environment of templates/ and a page rendered for a request, with
the app's security headers. Links are relative to the page, so they work under any mount
point and behind any proxy prefix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from monitor.campaigns import describe
from monitor.clock import display_time
from monitor.detection.domains import defang
from monitor.ui import links, params, views
from monitor.ui.auth import Caller
from monitor.ui.brands import BrandName
from monitor.ui.plain import plain_error
from monitor.ui.responses import secured
from monitor.ui.security import csrf_token, visible

if TYPE_CHECKING:
    from monitor.ui.context import AppContext


def brand_label(brand_id: str, names: dict[str, BrandName], lao: bool = True) -> Markup:
    """A brand as people know it: its name, and its Lao name where the registry has one."""
    name = names.get(brand_id)
    if name is None:
        return escape(visible(brand_id))
    html = escape(visible(name.name))
    if lao and name.name_lo:
        html += Markup(' <span lang="lo" class="lo">') + escape(visible(name.name_lo)) + Markup("</span>")
    return Markup(html)


def environment() -> Environment:
    env = Environment(loader=PackageLoader("monitor.ui", "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["v"] = visible  # control and bidi characters as visible escapes; escaped after
    env.filters["t"] = display_time
    env.filters["defang"] = defang
    env.filters["fref"] = params.finding_ref
    env.filters["tref"] = params.takedown_ref
    env.filters["cref"] = describe.campaign_ref
    env.filters["brand"] = brand_label
    env.globals["plain_error"] = plain_error
    env.globals["UI_MARKS"] = views.UI_MARKS
    env.globals["OWNER_ACTIONS"] = links.OWNER_ACTIONS
    return env


def relative_base(request: Request) -> str:
    """The app's root relative to this page ('' or '../')."""
    root = request.scope.get("root_path", "")
    path = request.scope["path"]
    inner = path[len(root):] if root and path.startswith(root) else path
    return "../" * max(0, inner.count("/") - 1)


def page(context: AppContext, request: Request, template: str, *, status_code: int = 200,
         caller: Caller | None = None, **values: Any) -> HTMLResponse:
    """A template rendered for this request and caller (the CSRF token of a cookie login), with
    the app's security headers."""
    base = relative_base(request)
    values.setdefault("can_edit", False)
    values.setdefault("names", context.brand_names())
    html = context.templates.get_template(template).render(
        base=base, airflow=base + "../", user=caller.name if caller else None,
        csrf=csrf_token(context.csrf_secret, caller.credential) if caller and caller.via == "cookie" else "",
        **values)
    return secured(HTMLResponse(html, status_code=status_code))
