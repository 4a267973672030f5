"""Takedown-request drafts: addressing and the draft message. Pure: the evidence,
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
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, TemplateError, TemplateSyntaxError

from monitor.clock import display_time
from monitor.detection.domains import defang
from monitor.detection.platforms import account_url
from monitor.notify.message import (
    VIEWPORT,
    WRAP_STYLE,
    Link,
    clean_context,
    header_text,
    message_id_for,
    set_addresses,
    template_environments,
)
from monitor.registry import Brand
from monitor.takedown.channels import Channel, Route
from monitor.takedown.evidence import Evidence, plain_problem
from monitor.takedown.rdap import Network, Registration

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
    reasons_lo: tuple[str, ...] = ()  # one for one with reasons; empty or missing: the English one

    @property
    def reasons_in_lao(self) -> list[str]:
        lao = self.reasons_lo
        return [lao[i] if i < len(lao) and lao[i].strip() else r for i, r in enumerate(self.reasons)]


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
    # the form's address is given on its own (a link); here it would be defanged as text
    parties = [f"{channel.name}: " + " or ".join(
        p for p in (channel.email, "its web form" if channel.form else None) if p)]
    return Addressing(route.kind, channel.name, to=to, form=channel.form,
                      asks_for=tuple((a.field, a.answer) for a in channel.asks_for), parties=tuple(parties),
                      key=route.key)


def _host_gap(network_error: str | None, address: str) -> str:
    """Why the host of an address is unknown, in plain words (the raw error stays in the
    lookup cache): an abuse desk must not read a resolver's message as a fact about the
    reported domain."""
    if network_error and "not a public address" in network_error:
        return f"The address {address} is not a public internet address, so there is no hosting provider to write to."
    return (f"We could not find out which hosting provider operates the address {address}: the regional "
            f"internet registry's public lookup service (RDAP) gave no usable answer when we asked.")


def address_domain(domain: str, registration: Registration | None, network: Network | None,
                   network_error: str | None, address: str | None, *, registrar_applies: bool = True) -> Addressing:
    """A domain of its own: To the registrar's abuse desk, Cc the host's. Whatever is
    missing is said, in plain words (the gaps go to third parties), and the draft is
    addressed to what is known. A URL on a bare address (registrar_applies=False) goes to
    the network's holder alone. The lookups' errors are kept in their cache, not in the draft
    (but a network lookup's error says why the host is unknown)."""
    to: list[tuple[str, str]] = []
    cc: list[tuple[str, str]] = []
    parties: list[str] = []
    gaps: list[str] = []
    shown = defang(domain)
    if registrar_applies:
        if registration and registration.abuse_email:
            to.append((f"{registration.registrar or 'Registrar'} abuse", registration.abuse_email))
            parties.append(f"registrar {registration.registrar or '(name not given)'}: {registration.abuse_email}"
                           f" (from {registration.source.upper()})")
        elif registration:
            gaps.append(f"The registrar of {shown} ({registration.registrar or 'its name is not published'}) "
                        f"publishes no abuse email address in {registration.source.upper()}.")
        else:
            gaps.append(f"We could not find out which registrar {shown} is registered with: the registry's "
                        f"public lookup service (RDAP or WHOIS) gave no usable answer when we asked.")
    if network and network.abuse_email:
        (cc if to else to).append((f"{network.holder or network.name or 'Hosting provider'} abuse", network.abuse_email))
        parties.append(f"host {network.holder or network.name or '(name not given)'} of {address}: {network.abuse_email}")
    elif network:
        gaps.append(f"The network {network.name or address} publishes no abuse email address in RDAP.")
    elif address:
        gaps.append(_host_gap(network_error, address))
    else:
        gaps.append(f"{shown} did not resolve to an internet address when we checked, so its hosting provider "
                    f"is unknown.")
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
    return template_environments(FileSystemLoader(directory), strict=True)


def attachment_name(sha256: str) -> str:
    return f"saved-page-{sha256[:12]}.html"


def screenshot_name(sha256: str) -> str:
    return f"screenshot-{sha256[:12]}.png"


def screenshot_problem(error: str) -> str:
    """Why there is no screenshot, in plain words (the error itself is kept in the database)."""
    if error.startswith("no browser installed"):
        return "no browser is installed where the monitor runs, so no screenshot was taken"
    return f"no screenshot could be taken: {plain_problem(error, None)}"


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
    # Link: the answers are copied into the form as they are (body_text keeps them live)
    return [{"field": field, "value": Link(facts.get(answer or "", "(to fill in)"))}
            for field, answer in addressing.asks_for]


def draft_context(brand: Brand, target: Target, imitates: tuple[str, ...], evidence: Evidence,
                  addressing: Addressing, registration: Registration | None) -> dict[str, Any]:
    owner = brand.owners[0]
    url = target.url or target.label
    return {
        "brand": {"name": brand.name, "id": brand.id},
        "owner": {"name": owner.name, "email": owner.email, "relation": "the brand's owner or authorised representative"},
        "target": {"label": target.label, "kind": target.kind, "platform": target.platform, "url": defang(url),
                   "first_seen": display_time(target.first_seen), "last_seen": display_time(target.last_seen),
                   "score": target.score, "reasons": list(target.reasons),
                   "reasons_lo": target.reasons_in_lao},
        "official": list(imitates),
        "evidence": {"title": evidence.title, "final_url": defang(evidence.final_url) if evidence.final_url else None,
                     "status": evidence.status, "ip": evidence.ip, "sha256": evidence.sha256,
                     "size": len(evidence.html) if evidence.html is not None else None,
                     "captured_at": display_time(evidence.captured_at),
                     "error": plain_problem(evidence.error, evidence.status) if evidence.error else None,
                     "attachment": attachment_name(evidence.sha256) if evidence.sha256 else None,
                     "screenshot": ({"attachment": screenshot_name(evidence.screenshot_sha256),
                                     "sha256": evidence.screenshot_sha256, "size": len(evidence.screenshot)}
                                    if evidence.screenshot and evidence.screenshot_sha256 else None),
                     "screenshot_error": screenshot_problem(evidence.screenshot_error)
                     if evidence.screenshot_error and not evidence.screenshot else None,
                     "registrar": registration.registrar if registration else None,
                     "registered": registration.registered if registration else None},
        "channel": {"kind": addressing.route, "name": addressing.name,
                    "form": Link(addressing.form) if addressing.form else None,
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
    context = clean_context(draft_context(brand, target, imitates, evidence, addressing, registration))
    text_env, html_env = envs
    try:
        english, lao = (text_env.get_template(n).render(context) for n in TEMPLATE_NAMES[:2])
        english_html, lao_html = (html_env.get_template(n).render(context) for n in TEMPLATE_NAMES[2:])
    except TemplateError as exc:
        # only a syntax error knows its place (a runtime error's is in the traceback)
        where = f"{exc.filename}:{exc.lineno}: " if isinstance(exc, TemplateSyntaxError) and exc.lineno else ""
        raise TemplateProblem(f"takedown template {where}{exc}") from None
    owner = brand.owners[0]
    message = EmailMessage(policy=SMTP)
    message["Subject"] = draft_subject(brand, target)
    set_addresses(message, "From", [(owner.name, owner.email)])
    set_addresses(message, "Reply-To", [(owner.name, owner.email)])
    # Names from RDAP or WHOIS are a registry's text: encoded whole, never address syntax
    if addressing.to:
        set_addresses(message, "To", list(addressing.to))
    if addressing.cc:
        set_addresses(message, "Cc", list(addressing.cc))
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = message_id_for(key, owner.email)
    message["X-Unsent"] = "1"
    message["X-Monitor-Brand"] = header_text(brand.id)
    message["X-Monitor-Finding"] = str(target.finding_id)
    if addressing.form:
        message["X-Takedown-Form"] = header_text(addressing.form)
    form_note = ""
    if addressing.form:
        asks = "".join(f"\n  - {a['field']}: {a['value']}" for a in context["form_answers"])
        form_note = (f"[{context['channel']['name']} takes reports through a web form, not email: "
                     f"{context['channel']['form']}\n"
                     f" It asks for (suggested answers):{asks}\n The text below is ready to paste into it.\n"
                     f" {context['channel']['name']} ຮັບການລາຍງານຜ່ານແບບຟອມເທິງເວັບ, ບໍ່ແມ່ນທາງອີເມວ. ມັນຖາມຂໍ້ມູນ"
                     f"ຂ້າງເທິງ (ຄຳຕອບທີ່ແນະນຳ, ເພື່ອສຳເນົາໃສ່ແບບຟອມ). ຂໍ້ຄວາມລຸ່ມນີ້ພ້ອມສຳລັບວາງໃສ່ແບບຟອມ.]\n\n")
    message.set_content(form_note + english + "\n\n---------- ພາສາລາວ (Lao) ----------\n\n" + lao)
    form_html = html_env.from_string(
        '{% if form %}<p style="background:#fff6d5;padding:8px">{{ name }} takes reports through a web form, '
        'not email: <a href="{{ form }}">{{ form }}</a>. It asks for (suggested answers, to copy into it):</p>'
        '<ul>{% for a in asks %}<li>{{ a.field }}: <code>{{ a.value }}</code></li>{% endfor %}</ul>'
        '<p lang="lo" style="background:#fff6d5;padding:8px">{{ name }} ຮັບການລາຍງານຜ່ານແບບຟອມເທິງເວັບ, '
        'ບໍ່ແມ່ນທາງອີເມວ: <a href="{{ form }}">{{ form }}</a>. ມັນຖາມຂໍ້ມູນຂ້າງເທິງ (ຄຳຕອບທີ່ແນະນຳ, '
        'ເພື່ອສຳເນົາໃສ່ແບບຟອມ). ຂໍ້ຄວາມລຸ່ມນີ້ພ້ອມສຳລັບວາງໃສ່ແບບຟອມ.</p>{% endif %}'
    ).render(name=context["channel"]["name"], form=context["channel"]["form"], asks=context["form_answers"])
    message.add_alternative(
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{VIEWPORT}</head><body style="margin:0">'
        f'<div style="{WRAP_STYLE}">{form_html}<div lang="en">{english_html}</div><hr><div lang="lo">'
        f'{lao_html}</div></div></body></html>',
        subtype="html")
    if evidence.html is not None and evidence.sha256:
        # application/octet-stream: the abuse desk gets the bytes, and no mail client renders
        # the impersonator's page (scripts, forms) by itself.
        message.add_attachment(evidence.html, maintype="application", subtype="octet-stream",
                               filename=attachment_name(evidence.sha256))
    if evidence.screenshot and evidence.screenshot_sha256:
        message.add_attachment(evidence.screenshot, maintype="image", subtype="png",
                               filename=screenshot_name(evidence.screenshot_sha256))
    return message
