"""An owner's signed link, checked now: its signature and expiry (monitor.ui.links), and that
every address it was signed for is still an owner of the finding's brand (or the staging
override), so that a link outlives no one's ownership."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from monitor.ui import links, params, views
from monitor.ui.context import AppContext

log = logging.getLogger(__name__)


def checked_grant(context: AppContext, session: Session, token: str, finding_id: int,
                  action: str) -> links.ActionGrant:
    """The link's grant; links.LinkError when it is refused (the reason says why)."""
    grant = links.verify(context.settings.secret_key, token, finding_id, action, context.clock())
    brand_id = views.brand_of(session, finding_id)
    if brand_id is None:
        return grant  # no such finding: the page says so
    try:
        owners = context.brands.owners_of(brand_id)
    except Exception:  # a registry that cannot be read now: refuse, say so
        log.exception("cannot read the brand registry to check an owner's link")
        raise links.LinkError("unavailable", "This link cannot be checked right now. Nothing was changed; "
                                             "please try again later.") from None
    allowed = (owners or frozenset()) | {e.lower() for e in context.settings.alert_recipients_override}
    signed_for = {e.strip().lower() for e in grant.email.split(",") if e.strip()}
    if not signed_for or not signed_for <= allowed:
        log.info("refused a link of %s for %s: no longer an owner of %s", grant.email,
                 params.finding_ref(finding_id), brand_id)
        raise links.LinkError("revoked", "This link is no longer valid: it was sent to an address that is no "
                                          "longer an owner of this brand. Nothing was changed.")
    return grant
