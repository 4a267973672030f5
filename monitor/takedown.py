"""Takedown-request drafts, and the owners' email that carries them. Pure: the evidence,
lookups and addressing come in as plain values; an EmailMessage comes out.

A draft is an RFC 5322 message From and Reply-To the brand's owner, To the party that can
act (Cc the other, for a domain: registrar and host), in English then Lao, with the saved
page attached. The monitor never sends it to that party: it goes to the owners, attached
(message/rfc822) to one email per brand per run, for them to review and send. `X-Unsent: 1`
makes mail clients that know it open the attachment as a draft ready to send.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from monitor.abuse_channels import Channel, Route
from monitor.alerts import header_text, message_id_for
from monitor.domains import defang
from monitor.platforms import account_url
from monitor.evidence import Evidence
from monitor.rdap import Network, Registration
from monitor.registry import Brand

TEMPLATE_NAMES = ("request.en.txt.j2", "request.lo.txt.j2", "request.en.html.j2", "request.lo.html.j2")


class TemplateProblem(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    finding_id: int
    label: str
    kind: str
    platform: str | None
    url: str | None
    score: int
    reasons: tuple[str, ...]
    first_seen: dt.datetime
    last_seen: dt.datetime


@dataclass(frozen=True)
class Addressing:
    """Where a draft goes: To and Cc as (name, email), a web form where that is the channel,
    the parties in words, and what could not be found out."""

    route: str
    name: str
    to: tuple[tuple[str, str], ...] = ()
    cc: tuple[tuple[str, str], ...] = ()
    form: str | None = None
    asks_for: tuple[tuple[str, str | None], ...] = ()  # (field, which fact answers it)
    parties: tuple[str, ...] = ()
    gaps: tuple[str, ...] = field(default_factory=tuple)
    key: str | None = None  # the platform or hosting service, for a channel of its own

    def to_dict(self) -> dict[str, Any]:
        return {"route": self.route, "name": self.name, "to": [list(a) for a in self.to],
                "cc": [list(a) for a in self.cc], "form": self.form, "asks_for": [list(a) for a in self.asks_for],
                "parties": list(self.parties)}


def address_channel(route: Route, channel: Channel) -> Addressing:
    """A platform's or a hosting service's own channel: its email, or its form."""
    to = ((f"{channel.name} abuse", channel.email),) if channel.email else ()
    parties = [f"{channel.name}: " + " or ".join(
        p for p in (channel.email, f"the form at {channel.form}" if channel.form else None) if p)]
    return Addressing(route.kind, channel.name, to=to, form=channel.form,
                      asks_for=tuple((a.field, a.answer) for a in channel.asks_for), parties=tuple(parties),
                      key=route.key)


def address_domain(domain: str, registration: Registration | None, registration_error: str | None,
                   network: Network | None, network_error: str | None, address: str | None,
                   resolution_error: str | None, *, registrar_applies: bool = True) -> Addressing:
    """A domain of its own: To the registrar's abuse desk, Cc the host's. Whatever is
    missing is said, and the draft is addressed to what is known. A URL on a bare address
    (registrar_applies=False) goes to the network's holder alone."""
    to, cc, parties, gaps = [], [], [], []
    if registrar_applies:
        if registration and registration.abuse_email:
            to.append((f"{registration.registrar or 'Registrar'} abuse", registration.abuse_email))
            parties.append(f"registrar {registration.registrar or '(name not given)'}: {registration.abuse_email}"
                           f" (from {registration.source.upper()})")
        elif registration:
            gaps.append(f"The registrar of {domain} ({registration.registrar or 'name not given'}) publishes no "
                        f"abuse email in {registration.source.upper()}.")
        else:
            gaps.append(f"The registrar of {domain} could not be looked up: {registration_error}.")
    if network and network.abuse_email:
        (cc if to else to).append((f"{network.holder or network.name or 'Hosting provider'} abuse", network.abuse_email))
        parties.append(f"host {network.holder or network.name or '(name not given)'} of {address}: {network.abuse_email}")
    elif network:
        gaps.append(f"The network {network.name or address} publishes no abuse email in RDAP.")
    elif address:
        gaps.append(f"The host of {address} could not be looked up: {network_error}.")
    else:
        gaps.append(f"{domain} did not resolve to an address, so its host is unknown"
                    + (f": {resolution_error}." if resolution_error else "."))
    name = to[0][0].removesuffix(" abuse") if to else "the registrar or host"
    return Addressing("domain" if registrar_applies else "address", name, to=tuple(to), cc=tuple(cc),
                      parties=tuple(parties), gaps=tuple(gaps))


def templates(directory: Path) -> tuple[Environment, Environment]:
    """(text, HTML) environments over the owner's templates; HTML autoescaped; a missing
    variable is an error, not an empty string."""
    for name in TEMPLATE_NAMES:
        if not (directory / name).is_file():
            raise TemplateProblem(f"{directory / name}: missing (the takedown templates are read from "
                                  f"{directory}; see MONITOR_TAKEDOWN_TEMPLATES)")
    loader = FileSystemLoader(directory)
    options = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True, "undefined": StrictUndefined}
    return (Environment(loader=loader, autoescape=False, **options),
            Environment(loader=loader, autoescape=select_autoescape(["html.j2"]), **options))


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def attachment_name(sha256: str) -> str:
    return f"saved-page-{sha256[:12]}.html"


def official_urls(brand: Brand, platform: str | None) -> list[str]:
    """The brand's official identities as URLs: its accounts on the platform, else its sites."""
    accounts = [account_url(a.platform, a.handle, a.page_id) for a in brand.official.accounts
                if platform and a.platform == platform]
    return [u for u in accounts if u] or [f"https://{domain}/" for domain in brand.official.domains]


def form_answers(brand: Brand, target: Target, addressing: Addressing) -> list[dict[str, str]]:
    """A suggested answer for each field the channel asks for, in its order. The URL is given
    as it is for a platform's own form (which would refuse a defanged one), defanged else."""
    owner = brand.owners[0]
    url = target.url or target.label
    facts = {
        "official": ", ".join(official_urls(brand, addressing.key if addressing.route == "platform" else None)),
        "target": url if addressing.route == "platform" else defang(url),
        "relation": f"{owner.name}: the owner or authorised representative of {brand.name}",
        "contact": owner.email,
        "reasons": "; ".join(target.reasons),
    }
    return [{"field": field, "value": facts.get(answer or "", "(to fill in)")} for field, answer in addressing.asks_for]


def draft_context(brand: Brand, target: Target, imitates: tuple[str, ...], evidence: Evidence,
                  addressing: Addressing, registration: Registration | None) -> dict[str, Any]:
    owner = brand.owners[0]
    url = target.url or target.label
    return {
        "brand": {"name": brand.name, "id": brand.id},
        "owner": {"name": owner.name, "email": owner.email, "relation": "the brand's owner or authorised representative"},
        "target": {"label": target.label, "kind": target.kind, "platform": target.platform, "url": defang(url),
                   "first_seen": _when(target.first_seen), "last_seen": _when(target.last_seen),
                   "score": target.score, "reasons": list(target.reasons)},
        "official": list(imitates),
        "evidence": {"title": evidence.title, "final_url": defang(evidence.final_url) if evidence.final_url else None,
                     "status": evidence.status, "ip": evidence.ip, "sha256": evidence.sha256,
                     "size": len(evidence.html) if evidence.html is not None else None,
                     "captured_at": _when(evidence.captured_at), "error": evidence.error,
                     "attachment": attachment_name(evidence.sha256) if evidence.sha256 else None,
                     "registrar": registration.registrar if registration else None,
                     "registered": registration.registered if registration else None},
        "channel": {"kind": addressing.route, "name": addressing.name, "form": addressing.form,
                    "to": [email for _, email in addressing.to], "cc": [email for _, email in addressing.cc],
                    "asks_for": [field for field, _ in addressing.asks_for]},
        "form_answers": form_answers(brand, target, addressing),
        "gaps": list(addressing.gaps),
    }


def draft_subject(brand: Brand, target: Target) -> str:
    shown = defang(target.url or target.label)
    shown = shown if len(shown) <= 300 else shown[:299] + "…"  # the whole URL is in the body
    return header_text(f"Impersonation of {brand.name}: {shown}")


def build_request(brand: Brand, target: Target, imitates: tuple[str, ...], evidence: Evidence,
                  addressing: Addressing, registration: Registration | None, *, envs: tuple[Environment, Environment],
                  key: str, now: dt.datetime) -> EmailMessage:
    context = draft_context(brand, target, imitates, evidence, addressing, registration)
    text_env, html_env = envs
    try:
        english, lao = (text_env.get_template(n).render(context) for n in TEMPLATE_NAMES[:2])
        english_html, lao_html = (html_env.get_template(n).render(context) for n in TEMPLATE_NAMES[2:])
    except TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}: " if getattr(exc, "lineno", None) else ""
        raise TemplateProblem(f"takedown template {where}{exc}") from None
    owner = brand.owners[0]
    message = EmailMessage(policy=SMTP)
    message["Subject"] = draft_subject(brand, target)
    message["From"] = formataddr((header_text(owner.name), owner.email))
    message["Reply-To"] = formataddr((header_text(owner.name), owner.email))
    if addressing.to:
        message["To"] = ", ".join(formataddr((header_text(n), e)) for n, e in addressing.to)
    if addressing.cc:
        message["Cc"] = ", ".join(formataddr((header_text(n), e)) for n, e in addressing.cc)
    message["Date"] = format_datetime(now.astimezone(dt.timezone.utc))
    message["Message-ID"] = message_id_for(key, owner.email)
    message["X-Unsent"] = "1"
    message["X-Monitor-Brand"] = header_text(brand.id)
    message["X-Monitor-Finding"] = str(target.finding_id)
    if addressing.form:
        message["X-Takedown-Form"] = header_text(addressing.form)
    form_note = ""
    if addressing.form:
        asks = "".join(f"\n  - {a['field']}: {a['value']}" for a in context["form_answers"])
        form_note = (f"[{addressing.name} takes reports through a web form, not email: {addressing.form}\n"
                     f" It asks for (suggested answers):{asks}\n The text below is ready to paste into it.]\n\n")
    message.set_content(form_note + english + "\n\n---------- ພາສາລາວ (Lao) ----------\n\n" + lao)
    form_html = html_env.from_string(
        '{% if form %}<p style="background:#fff6d5;padding:8px">{{ name }} takes reports through a web form, '
        'not email: <code>{{ form }}</code>. It asks for (suggested answers):</p><ul>{% for a in asks %}'
        '<li>{{ a.field }}: <code>{{ a.value }}</code></li>{% endfor %}</ul>{% endif %}').render(
        name=addressing.name, form=addressing.form, asks=context["form_answers"])
    message.add_alternative(
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">'
        f'{form_html}<div lang="en">{english_html}</div><hr><div lang="lo">{lao_html}</div></body></html>',
        subtype="html")
    if evidence.html is not None and evidence.sha256:
        # application/octet-stream: the abuse desk gets the bytes, and no mail client renders
        # the impersonator's page (scripts, forms) by itself.
        message.add_attachment(evidence.html, maintype="application", subtype="octet-stream",
                               filename=attachment_name(evidence.sha256))
    return message


# ------------------------------------------------------------------ the owners' email

@dataclass(frozen=True)
class DraftSummary:
    takedown_id: int
    label: str
    url: str | None
    addressing: dict[str, Any]
    gaps: tuple[str, ...]
    message: bytes  # the draft, as stored


_OWNER_TEXT = """\
{{ title }}
{{ "=" * title|length }}

{{ intro }}

Each draft is attached as an email message: open it, check it, and send it from your own
mailbox (or paste it into the form named). Nothing has been sent to these parties.
{% for d in drafts %}

{{ loop.index }}. Takedown {{ d.takedown_id }}: {{ d.label }}
   URL:      {{ d.url }}
   Send to:  {{ d.parties|join("; ") or "-" }}
{% if d.form %}
   Form:     {{ d.form }}
{% endif %}
{% for gap in d.gaps %}
   Gap:      {{ gap }}
{% endfor %}
{% endfor %}

When you have sent one:   monitor takedown mark ID sent
When it has been handled: monitor takedown mark ID resolved
The takedown_followup DAG checks every day whether each page is still up.

-- 
impersonation-monitor
"""

_OWNER_HTML = """\
<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body style="font-family: sans-serif; color: #222; max-width: 820px;">
<h1 style="font-size: 20px;">{{ title }}</h1>
<p>{{ intro }}</p>
<p>Each draft is attached as an email message: open it, check it, and send it from your own mailbox
(or paste it into the form named). Nothing has been sent to these parties.</p>
<ol>
{% for d in drafts %}
<li style="margin-bottom: 10px;"><strong>Takedown {{ d.takedown_id }}: {{ d.label }}</strong><br>
<code>{{ d.url }}</code><br>Send to: {{ d.parties|join("; ") or "-" }}
{% if d.form %}<br>Form: <code>{{ d.form }}</code>{% endif %}
{% for gap in d.gaps %}<br><span style="color: #a00;">Gap: {{ gap }}</span>{% endfor %}
</li>
{% endfor %}
</ol>
<p style="color: #666; font-size: 13px;">When you have sent one: <code>monitor takedown mark ID sent</code>;
when it has been handled: <code>monitor takedown mark ID resolved</code>. The takedown_followup DAG checks
every day whether each page is still up.</p>
</body></html>
"""

_OPTIONS = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}
_OWNER_TEXT_TEMPLATE = Environment(autoescape=False, **_OPTIONS).from_string(_OWNER_TEXT)
_OWNER_HTML_TEMPLATE = Environment(autoescape=True, **_OPTIONS).from_string(_OWNER_HTML)


def drafts_subject(brand: Brand, count: int) -> str:
    noun = "takedown draft" if count == 1 else "takedown drafts"
    return header_text(f"[impersonation-monitor] {brand.name}: {count} {noun} to review")


def owner_recipients(brand: Brand, override: tuple[str, ...]) -> str:
    return (", ".join(header_text(r) for r in override) if override else
            ", ".join(formataddr((header_text(o.name), header_text(o.email))) for o in brand.owners))


def _owner_message(brand: Brand, *, subject: str, text: str, html: str, attachments: list[DraftSummary],
                   mail_from: str, dedup_key: str, now: dt.datetime, recipients: tuple[str, ...],
                   references: str | None = None) -> EmailMessage:
    import email as email_package
    from email import policy

    message = EmailMessage(policy=SMTP)
    message["Subject"] = header_text(subject)
    message["From"] = formataddr(("impersonation-monitor", header_text(mail_from)))
    message["To"] = owner_recipients(brand, recipients)
    message["Date"] = format_datetime(now.astimezone(dt.timezone.utc))
    message["Message-ID"] = message_id_for(dedup_key, mail_from)
    if references:
        message["References"] = references
    message["X-Monitor-Brand"] = header_text(brand.id)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for draft in attachments:
        attached = email_package.message_from_bytes(draft.message, policy=policy.SMTP)
        message.add_attachment(attached, filename=f"takedown-{draft.takedown_id}.eml")
    return message


def _draft_views(drafts: list[DraftSummary]) -> list[dict[str, Any]]:
    return [{"takedown_id": d.takedown_id, "label": d.label, "url": defang(d.url) if d.url else "-",
             "parties": d.addressing.get("parties") or [], "form": d.addressing.get("form"), "gaps": d.gaps}
            for d in drafts]


def build_drafts_email(brand: Brand, drafts: list[DraftSummary], *, mail_from: str, dedup_key: str,
                       now: dt.datetime, recipients: tuple[str, ...] = ()) -> EmailMessage:
    """One email to the brand's owners with every draft of this run attached."""
    subject = drafts_subject(brand, len(drafts))
    intro = (f"{len(drafts)} takedown request{'s are' if len(drafts) != 1 else ' is'} drafted for "
             f"{brand.name}, addressed to the party that can take each one down, with the evidence "
             f"captured when the draft was made.")
    context = {"title": subject.removeprefix("[impersonation-monitor] "), "intro": intro,
               "drafts": _draft_views(drafts)}
    return _owner_message(brand, subject=subject, text=_OWNER_TEXT_TEMPLATE.render(context),
                          html=_OWNER_HTML_TEMPLATE.render(context), attachments=drafts, mail_from=mail_from,
                          dedup_key=dedup_key, now=now, recipients=recipients)


# ------------------------------------------------------------------ follow-up

@dataclass(frozen=True)
class FollowUpEvent:
    kind: str  # taken_down, reminder, relaunched
    takedown_id: int
    label: str
    url: str | None
    detail: str  # what the check saw, in words
    drafted_at: dt.datetime
    status: str  # the takedown's status when the event happened
    hours_first_seen: float | None = None
    hours_draft: float | None = None


_FOLLOWUP_TEXT = """{{ title }}
{{ "=" * title|length }}
{% for section in sections if section.events %}

{{ section.heading }}
{{ "-" * section.heading|length }}
{{ section.note }}
{% for e in section.events %}

- Takedown {{ e.takedown_id }}: {{ e.label }}
  URL:     {{ e.url }}
  Checked: {{ e.detail }}
  Drafted: {{ e.drafted_at }} ({{ e.status }})
{% if e.hours %}
  Time to takedown: {{ e.hours }}
{% endif %}
{% endfor %}
{% endfor %}
{% if drafts %}

New drafts for the relaunched pages are attached: review and send them as before.
{% endif %}

-- 
impersonation-monitor (takedown_followup)
"""

_FOLLOWUP_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body style="font-family: sans-serif; color: #222; max-width: 820px;">
<h1 style="font-size: 20px;">{{ title }}</h1>
{% for section in sections if section.events %}
<h2 style="font-size: 17px; border-bottom: 1px solid #ccc;">{{ section.heading }}</h2>
<p>{{ section.note }}</p>
<ul>
{% for e in section.events %}
<li style="margin-bottom: 8px;"><strong>Takedown {{ e.takedown_id }}: {{ e.label }}</strong><br>
<code>{{ e.url }}</code><br>Checked: {{ e.detail }}<br>Drafted: {{ e.drafted_at }} ({{ e.status }})
{% if e.hours %}<br>Time to takedown: {{ e.hours }}{% endif %}</li>
{% endfor %}
</ul>
{% endfor %}
{% if drafts %}<p>New drafts for the relaunched pages are attached: review and send them as before.</p>{% endif %}
</body></html>
"""

_FOLLOWUP_TEXT_TEMPLATE = Environment(autoescape=False, **_OPTIONS).from_string(_FOLLOWUP_TEXT)
_FOLLOWUP_HTML_TEMPLATE = Environment(autoescape=True, **_OPTIONS).from_string(_FOLLOWUP_HTML)


def followup_subject(brand: Brand, events: list[FollowUpEvent]) -> str:
    counts = {kind: sum(1 for e in events if e.kind == kind) for kind in ("relaunched", "reminder", "taken_down")}
    parts = [f"{counts['relaunched']} relaunched" if counts["relaunched"] else "",
             f"{counts['reminder']} still live" if counts["reminder"] else "",
             f"{counts['taken_down']} taken down" if counts["taken_down"] else ""]
    return header_text(f"[impersonation-monitor] {brand.name}: takedowns: {', '.join(p for p in parts if p)}")


def build_followup_email(brand: Brand, events: list[FollowUpEvent], drafts: list[DraftSummary], *, mail_from: str,
                         dedup_key: str, now: dt.datetime, reminder_days: int,
                         recipients: tuple[str, ...] = ()) -> EmailMessage:
    def view(e: FollowUpEvent) -> dict[str, Any]:
        hours = ""
        if e.hours_first_seen is not None and e.hours_draft is not None:
            hours = f"{e.hours_first_seen:.0f} h after it was first seen, {e.hours_draft:.0f} h after the draft"
        return {"takedown_id": e.takedown_id, "label": e.label, "url": defang(e.url) if e.url else "-",
                "detail": e.detail, "drafted_at": _when(e.drafted_at), "status": e.status.replace("_", " "),
                "hours": hours}

    subject = followup_subject(brand, events)
    sections = [
        {"heading": "Relaunched: back after it was taken down",
         "note": "These pages were gone and are live again. This is a new alert; a new draft is attached for each.",
         "events": [view(e) for e in events if e.kind == "relaunched"]},
        {"heading": f"Still live {reminder_days} days after the draft",
         "note": "If you have not sent the draft yet, please do; if you have, consider writing to the host or "
                 "registrar as well, or escalating. This reminder is sent once per draft.",
         "events": [view(e) for e in events if e.kind == "reminder"]},
        {"heading": "Taken down", "note": "These pages are gone; the monitor keeps watching for a relaunch.",
         "events": [view(e) for e in events if e.kind == "taken_down"]},
    ]
    context = {"title": subject.removeprefix("[impersonation-monitor] "), "sections": sections, "drafts": drafts}
    return _owner_message(brand, subject=subject, text=_FOLLOWUP_TEXT_TEMPLATE.render(context),
                          html=_FOLLOWUP_HTML_TEMPLATE.render(context), attachments=drafts, mail_from=mail_from,
                          dedup_key=dedup_key, now=now, recipients=recipients)
