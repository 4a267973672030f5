"""Marking a finding (or its latest takedown draft) from the UI, the API or an owner's link:
the one write of the app, through monitor.store.repo, in a transaction of its own (committed
before the route reads the finding back)."""

from __future__ import annotations

import logging

from pydantic import BaseModel, Field

from monitor.store import repo
from monitor.store.models import Finding
from monitor.ui import params, views
from monitor.ui.context import AppContext

log = logging.getLogger(__name__)

NOTE_LIMIT = 2000


class MarkBody(BaseModel):
    """The JSON body of POST api/findings/{id}/marks."""

    mark: str = Field(description="confirmed, false-positive, taken-down, reopen (the finding); sent, resolved "
                                  "(its latest takedown draft)")
    note: str | None = Field(default=None, max_length=NOTE_LIMIT)


def apply_mark(context: AppContext, finding_id: int, mark: str, note: str | None, actor: str) -> str:
    """Mark a finding (or its latest takedown draft); the outcome in words. LookupError: no
    such finding; ValueError: a mark that does not apply now."""
    now = context.clock()
    note = params.text(note, "note", limit=NOTE_LIMIT) or None
    with context.sessions() as session:
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
