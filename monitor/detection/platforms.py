"""Social platform URLs and handles: 'https://m.facebook.com/laoairlines/' -> facebook, laoairlines."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from monitor.detection.hostwalk import lookup_under
from monitor.detection.normalize import clean_text

# Host (without 'www.' / 'm.' etc.) -> platform name.
PLATFORM_HOSTS = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "fb.me": "facebook",
    "instagram.com": "instagram",
    "instagr.am": "instagram",
    "tiktok.com": "tiktok",
    "x.com": "x",
    "twitter.com": "x",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "telegram.dog": "telegram",
    "youtube.com": "youtube",
    "youtu.be": "youtube",
}
PLATFORM_ALIASES = {"twitter": "x", "fb": "facebook", "ig": "instagram", "yt": "youtube", "tg": "telegram"}

# First path segments that are site features, not accounts.
_RESERVED = {
    "facebook": {"groups", "events", "watch", "share", "sharer", "sharer.php", "login", "login.php", "help",
                 "policies", "marketplace", "story.php", "permalink.php", "photo.php", "photo", "reel", "reels",
                 "hashtag", "search", "gaming", "privacy", "settings", "home.php", "l.php", "dialog", "plugins",
                 "pages", "people", "profile.php"},
    "instagram": {"p", "reel", "reels", "explore", "stories", "accounts", "direct", "about", "legal", "tv"},
    "tiktok": {"discover", "tag", "music", "search", "login", "foryou", "explore", "live", "video"},
    "x": {"home", "search", "i", "intent", "share", "explore", "notifications", "messages", "settings",
          "login", "signup", "hashtag", "tos", "privacy"},
    "telegram": {"s", "joinchat", "addstickers", "share", "proxy", "socks", "iv"},
    "youtube": {"watch", "results", "feed", "playlist", "shorts", "embed", "redirect", "t", "about"},
}


@dataclass(frozen=True, slots=True)
class AccountRef:
    platform: str
    handle: str | None  # as written, without '@'
    page_id: str | None = None  # numeric id where the URL carries one


def canonical_platform(name: str) -> str:
    name = clean_text(name).lower()
    return PLATFORM_ALIASES.get(name, name)


def platform_of_host(host: str) -> str | None:
    return lookup_under(PLATFORM_HOSTS, host)


def normalize_handle(handle: str) -> str:
    return clean_text(handle).lstrip("@").strip("/").lower()


def parse_account_url(url: str) -> AccountRef | None:
    """Platform and handle (or page id) from a profile URL; None if not a profile URL."""
    try:
        parts = urlsplit(url.strip() if "//" in url else "https://" + url.strip())
        host = parts.hostname or ""
    except ValueError:
        return None
    platform = platform_of_host(host)
    if platform is None:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    query = parse_qs(parts.query)
    if platform == "facebook":
        if segments[:1] == ["profile.php"] and query.get("id"):
            return AccountRef(platform, None, query["id"][0])
        if segments[:1] == ["pages"] and len(segments) >= 3 and segments[-1].isdigit():
            return AccountRef(platform, segments[1], segments[-1])
        if segments[:1] == ["groups"] and len(segments) >= 2:
            return AccountRef(platform, "groups/" + segments[1])
    if platform == "youtube" and segments and segments[0] in {"c", "user", "channel"} and len(segments) >= 2:
        if segments[0] == "channel":
            return AccountRef(platform, None, segments[1])
        return AccountRef(platform, segments[1])
    if not segments:
        return None
    first = segments[0]
    if first.lower() in _RESERVED.get(platform, set()):
        return None
    if platform in {"tiktok", "youtube"}:
        if not first.startswith("@"):
            return None
        first = first[1:]
    handle = first.lstrip("@")
    if not handle:
        return None
    if platform == "facebook" and handle.isdigit():
        return AccountRef(platform, handle, handle)
    return AccountRef(platform, handle)


_TITLE_SUFFIXES = {
    "facebook": (" | Facebook", " - Facebook", " | Meta"),
    "instagram": (" • Instagram photos and videos", " | Instagram", " - Instagram"),
    "tiktok": (" | TikTok", " - TikTok", " on TikTok"),
    "x": (" / X", " | X", " / Twitter", " on X", " on Twitter"),
    "telegram": (" – Telegram", " - Telegram", " | Telegram"),
    "youtube": (" - YouTube", " | YouTube"),
}


def display_name_from_title(title: str | None, platform: str) -> str | None:
    """'Lao Airlines Promotion | Facebook' -> 'Lao Airlines Promotion';
    'Laopost (@laopost_parcel) • Instagram photos and videos' -> 'Laopost'."""
    if not title:
        return None
    name = clean_text(title)
    for suffix in _TITLE_SUFFIXES.get(platform, ()):
        if name.lower().endswith(suffix.lower()):
            name = name[: -len(suffix)].rstrip()
            break
    if name.endswith(")") and "(@" in name:
        name = name[: name.rindex("(@")].rstrip()
    return name or None


PROFILE_URLS = {
    "facebook": "https://www.facebook.com/{}",
    "instagram": "https://www.instagram.com/{}/",
    "tiktok": "https://www.tiktok.com/@{}",
    "x": "https://x.com/{}",
    "telegram": "https://t.me/{}",
    "youtube": "https://www.youtube.com/@{}",
}


def account_url(platform: str, handle: str | None = None, page_id: str | None = None) -> str | None:
    """The public URL of an account, for forms that ask for one."""
    if handle and platform in PROFILE_URLS:
        return PROFILE_URLS[platform].format(handle)
    if page_id and platform == "facebook":
        return f"https://www.facebook.com/profile.php?id={page_id}"
    return None
