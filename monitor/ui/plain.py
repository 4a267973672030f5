"""A collection's stored error as one plain sentence for the Source health page (the raw text
stays a click away). Pure.

The stored error is what the fetcher and the collector said, often a long chain of library
exceptions repeated once per query. The page leads with what happened, in words, by the
first pattern that matches; an error no pattern knows is shown by its first sentence."""

from __future__ import annotations

import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), s) for p, s in (
    (r"cooling down|cooled down|cool-down", "Skipped: the source's address is cooling down after an earlier failure."),
    (r"robots\.txt|RobotsDisallowed", "The source's robots.txt does not allow this fetch."),
    (r"HTTP 429|RateLimited|Too Many Requests", "The source asked us to slow down (HTTP 429, rate limited)."),
    (r"HTTP 40[13]\b", "The source refused our request (HTTP 401/403): check its API key or access."),
    (r"HTTP 5\d\d\b", "The source answered with a server error (HTTP 5xx): it may be down or overloaded."),
    (r"HTTP 404\b", "The source's address answered 'not found' (HTTP 404): check the configured URL."),
    (r"forbidden address|not allowed|only http and https", "The configured address is refused by the fetcher's "
                                                           "address rules (a private or loopback address?)."),
    (r"Connection refused|ConnectionRefused|Errno 111", "Nothing is listening at the source's address "
                                                        "(connection refused): is it running, on that port?"),
    (r"Name or service not known|nodename nor servname|getaddrinfo|NameResolution|Temporary failure in name",
     "The source's host name could not be resolved (DNS)."),
    (r"DeadlineExceeded|timed out|Timeout|deadline", "The source did not answer in time."),
    (r"SSL|certificate|TLS", "A secure connection to the source could not be made (TLS/certificate)."),
    (r"layout changed|layout", "The source's page layout changed: the collector found no results where it "
                               "expects them."),
    (r"could not be scored|could not be stored", "Some results could not be processed (the rest were kept)."),
))
_FIRST_SENTENCE = re.compile(r"^(.{1,160}?[.;:])(\s|$)", re.S)


def plain_error(raw: str | None) -> str:
    """One sentence saying what went wrong, or '' without an error."""
    if not raw or not raw.strip():
        return ""
    for pattern, sentence in _RULES:
        if pattern.search(raw):
            return sentence
    text = " ".join(raw.split())
    match = _FIRST_SENTENCE.match(text)
    first = match.group(1) if match else text[:160]
    return first if len(first) < len(text) or len(text) <= 160 else first + "…"
