"""The official registry of protected brands (config/brands.yaml), validated once, at the edge.

``load_registry(path)`` returns a frozen ``Registry`` or raises ``RegistryError`` whose message
names the file, the line, the brand and the field, e.g.::

    config/brands.yaml:14: brand 'lao-airlines': field 'official.domains[0]': 'laoairlines..com' is not a valid host name
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from monitor.detection.domains import InvalidHost, is_http_url, is_valid_hostname, normalize_host
from monitor.detection.normalize import clean_text
from monitor.detection.platforms import canonical_platform, normalize_handle
from monitor.gcpause import gc_paused

ModelT = TypeVar("ModelT", bound=BaseModel)
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


class RegistryError(ValueError):
    """A brands file that cannot be used; the message says where and why."""


def _host(value: str) -> str:
    try:
        host = normalize_host(value)
    except InvalidHost:
        host = ""
    if not host or not is_valid_hostname(host):
        raise ValueError(f"{value!r} is not a valid host name")
    return host


def _text(value: str) -> str:
    value = clean_text(value)
    if not value:
        raise ValueError("must not be empty")
    return value


Host = Annotated[str, AfterValidator(_host)]
Text = Annotated[str, AfterValidator(_text)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Account(_Frozen):
    platform: Text
    handle: str | None = None
    page_id: str | None = None

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        return canonical_platform(value)

    @field_validator("handle")
    @classmethod
    def _handle(cls, value: str | None) -> str | None:
        if value is None:
            return None
        handle = normalize_handle(value)
        if not handle or " " in handle:
            raise ValueError(f"{value!r} is not a handle")
        return handle

    @model_validator(mode="after")
    def _some_identity(self) -> Account:
        if not self.handle and not self.page_id:
            raise ValueError("an account needs a handle or a page_id")
        return self


def _hotline(value: str) -> str:
    from monitor.campaigns.phones import parse_phone

    number = parse_phone(value)
    if number is None:
        raise ValueError(f"{value!r} is not a valid phone number (write it as people dial it, e.g. +856 21 212 345)")
    return number


def _bank_account(value: str) -> str:
    digits = re.sub(r"[\s.-]", "", value)
    if not digits.isdigit() or not 8 <= len(digits) <= 20:
        raise ValueError(f"{value!r} is not a bank account number (8 to 20 digits, spaces or dashes between groups)")
    return digits


def _analytics_id(value: str) -> str:
    from monitor.campaigns.trackers import tracker_id

    found = tracker_id(value)
    if found is None:
        raise ValueError(f"{value!r} is not an analytics or pixel ID (UA-..., G-..., GTM-..., ca-pub-..., "
                         "or a Meta pixel's digits)")
    return found.value


def _sha256(value: str) -> str:
    value = value.lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ValueError(f"{value!r} is not a SHA-256 (64 hex digits)")
    return value


class Identities(_Frozen):
    domains: tuple[Host, ...] = ()
    accounts: tuple[Account, ...] = ()
    # The brand's own payment and contact details, which its pages show and its imitators copy:
    # they never link findings into a campaign (monitor.campaigns.own).
    hotlines: tuple[Annotated[str, AfterValidator(_hotline)], ...] = ()
    bank_accounts: tuple[Annotated[str, AfterValidator(_bank_account)], ...] = ()
    analytics_ids: tuple[Annotated[str, AfterValidator(_analytics_id)], ...] = ()
    favicon_sha256: tuple[Annotated[str, AfterValidator(_sha256)], ...] = ()


class Listing(_Frozen):
    """A public page that lists items (a directory, a store's search page), read with CSS
    selectors: `item` selects each entry, `link` and `title` are looked up inside it."""

    url: str
    item: Text
    link: str = "a"
    title: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not is_http_url(value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("item", "link", "title")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from soupsieve import SelectorSyntaxError
        from soupsieve import compile as compile_selector

        try:
            compile_selector(value)
        except SelectorSyntaxError as exc:
            raise ValueError(f"{value!r} is not a valid CSS selector ({str(exc).splitlines()[0]})") from None
        return value


class Owner(_Frozen):
    name: Text
    email: str

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL_RE.match(value):
            raise ValueError(f"{value!r} is not an email address")
        if not value.isascii():  # SMTPUTF8 is not supported by every server on the way
            raise ValueError(f"{value!r}: use the ASCII (punycode) form of the address")
        return value


class Verification(_Frozen):
    confirmed: bool
    by: str | None = None
    on: dt.date | None = None
    note: str = ""

    @model_validator(mode="after")
    def _who_and_when(self) -> Verification:
        if self.confirmed and not (self.by and self.on):
            raise ValueError("a confirmed registry entry needs 'by' and 'on'")
        return self


class Brand(_Frozen):
    id: str
    name: Text
    aliases: tuple[Text, ...] = ()
    official: Identities
    owners: tuple[Owner, ...] = Field(min_length=1)
    keywords: tuple[Text, ...] = ()
    allow: Identities = Identities()
    verified: Verification
    listings: tuple[Listing, ...] = ()
    feeds: tuple[str, ...] = ()  # RSS or Atom feeds to read for mentions of the brand

    @field_validator("feeds")
    @classmethod
    def _feeds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not is_http_url(url):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return value

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG_RE.match(value):
            raise ValueError(f"{value!r} is not a slug (lower-case letters, digits and single hyphens)")
        return value

    @model_validator(mode="after")
    def _has_identity(self) -> Brand:
        if not self.official.domains and not self.official.accounts:
            raise ValueError("a brand needs at least one official domain or account")
        return self

    @property
    def recipients(self) -> list[str]:
        return [owner.email for owner in self.owners]

    def imitated_identities(self, kind: str, platform: str | None) -> tuple[str, ...]:
        """The official identities a finding imitates: same-platform accounts for an account,
        the official domains for a domain or page."""
        if kind == "account":
            same = [f"{a.platform}: {a.handle or a.page_id}" for a in self.official.accounts if a.platform == platform]
            others = [f"{a.platform}: {a.handle or a.page_id}" for a in self.official.accounts]
            return tuple(same or others)
        return tuple(self.official.domains)


class Registry(_Frozen):
    brands: tuple[Brand, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Registry:
        seen: dict[str, int] = {}
        for index, brand in enumerate(self.brands):
            if brand.id in seen:
                raise _LocatedError(("brands", index, "id"), f"duplicate brand id {brand.id!r} (also brands[{seen[brand.id]}])")
            seen[brand.id] = index
        owner_of: dict[str, str] = {}
        for index, brand in enumerate(self.brands):
            for d_index, domain in enumerate(brand.official.domains):
                if domain in owner_of and owner_of[domain] != brand.id:
                    raise _LocatedError(("brands", index, "official", "domains", d_index),
                                        f"{domain!r} is already an official domain of {owner_of[domain]!r}")
                owner_of[domain] = brand.id
        return self

    @functools.cached_property
    def _by_id(self) -> dict[str, Brand]:
        return {brand.id: brand for brand in self.brands}

    def brand(self, brand_id: str) -> Brand:
        """The brand with this id; KeyError when the registry has none (callers that take ids
        from people check `ids` first and say which ids exist)."""
        return self._by_id[brand_id]

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)


class _LocatedError(ValueError):
    def __init__(self, loc: tuple[Any, ...], message: str):
        super().__init__(message)
        self.loc = loc
        self.message = message


MAX_NESTING = 64  # no config file of ours nests deeper; PyYAML's composer recurses per level


# libyaml's parser where PyYAML has it (about twenty times faster on a registry of thousands of
# brands); the same safe constructors either way.
if TYPE_CHECKING:  # a base class must be a class to the checker; CSafeLoader has SafeLoader's interface
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LIBYAML = _SafeLoader is not yaml.SafeLoader


class _StrictLoader(_SafeLoader):
    """SafeLoader that says where a value that looks like a date is not one."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> dt.date:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:  # e.g. 2026-13-45: "month must be in 1..12"
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a date ({exc})", node.start_mark) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


def _check_nesting(text: str) -> yaml.Mark | None:
    """Where the text nests deeper than MAX_NESTING, found with PyYAML's scanner, which does not
    recurse (its composer does, and a deep file would end in a RecursionError). Only needed
    without libyaml: libyaml's composer refuses more than 1,000 levels by itself, and the
    composed tree is then checked by ``_check_nodes``."""
    depth = 0
    for token in yaml.scan(text, Loader=_SafeLoader):
        if isinstance(token, (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
                              yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
            depth += 1
            if depth > MAX_NESTING:
                mark: yaml.Mark = token.start_mark  # untyped in the stubs
                return mark
        elif isinstance(token, (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
            depth -= 1
    return None


def _check_nodes(loader: _StrictLoader, root: yaml.Node) -> yaml.Mark | None:
    """Walk the composed tree once, without recursion: return where it nests deeper than
    MAX_NESTING; raise ConstructorError at a duplicate key (PyYAML silently keeps the last
    one) or a key that is a list or a mapping (PyYAML raises a bare TypeError). Done on the
    nodes rather than in ``construct_mapping``, which is Python code run for every mapping."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    seen_nodes: set[int] = set()  # aliases share nodes: each is walked once
    while stack:
        node, depth = stack.pop()
        if id(node) in seen_nodes or isinstance(node, yaml.ScalarNode):
            continue
        seen_nodes.add(id(node))
        if depth > MAX_NESTING:
            return node.start_mark
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
            continue
        keys: set[Any] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value, not a list or a mapping", key_node.start_mark)
            # strings compare as written; other scalars (1 and 0x1) as the values they are
            key = key_node.value if key_node.tag == "tag:yaml.org,2002:str" else \
                loader.construct_object(key_node, deep=True)
            try:
                duplicate = key in keys
            except TypeError:  # '!!omap x: 1': a tag that makes a list of a key
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value, not a list or a mapping", key_node.start_mark) from None
            if duplicate:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            keys.add(key)
            stack.append((value_node, depth + 1))
    return None


def _node_at(root: yaml.Node | None, loc: tuple[Any, ...]) -> yaml.Node | None:
    """The deepest YAML node along a pydantic error location."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        else:
            child = None
        if child is None:
            break
        node = child
    return node


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _describe(path: str, root: yaml.Node | None, data: Any, loc: tuple[Any, ...], message: str) -> str:
    node = _node_at(root, loc)
    line = f":{node.start_mark.line + 1}" if node is not None else ""
    where = ""
    rest = loc
    if len(loc) >= 2 and loc[0] == "brands" and isinstance(loc[1], int):
        brand_id = None
        try:
            brand_id = data["brands"][loc[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        where = f"brand {brand_id!r}: " if brand_id else f"brands[{loc[1]}]: "
        rest = loc[2:]
    field = f"field {_field_path(rest)!r}: " if rest else ""
    return f"{path}{line}: {where}{field}{message}"


def _pydantic_message(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "is not a known field"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    return message


def _path_at_mark(root: yaml.Node | None, mark: yaml.Mark) -> tuple[Any, ...]:
    """The data path (('brands', 4, 'name')) of the deepest node at a position."""
    where = (mark.line, mark.column)
    loc: list[Any] = []
    node = root
    while node is not None:
        children: list[tuple[Any, yaml.Node]] = []
        if isinstance(node, yaml.MappingNode):
            children = [(k.value, k) for k, _ in node.value] + [(k.value, v) for k, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = list(enumerate(node.value))
        found = None
        for part, child in children:
            start = (child.start_mark.line, child.start_mark.column)
            end = (child.end_mark.line, child.end_mark.column)
            if start <= where < end or start == where:
                found = (part, child, start == where)
                break
        if found is None:
            break
        part, node, exact = found
        if not isinstance(part, str | int):  # a key that is itself a list or a mapping
            break
        loc.append(part)
        if exact:
            break
    return tuple(loc)


def parse_yaml_model(text: str, path: str, model: type[ModelT], *, what: str, top: str,
                     error: type[ValueError]) -> ModelT:
    """Parse a YAML file of plain data into a pydantic model; every error names the file, the
    line and the field (and the brand, in brands.yaml). Shared by the registry and the other
    files in config/. `what` names the file in messages; `top` describes its top level."""
    with gc_paused():  # a registry of 10,000 brands is 300,000 new objects, none in a cycle
        return _parse_yaml_model(text, path, model, what=what, top=top, error=error)


def _parse_yaml_model(text: str, path: str, model: type[ModelT], *, what: str, top: str,
                      error: type[ValueError]) -> ModelT:
    root: yaml.Node | None = None
    nested = f"nested more than {MAX_NESTING} levels deep ({what} is a flat list of brands and fields)"
    try:
        # without libyaml, the composer recurses per level: the scanner finds the depth first
        deep = None if _LIBYAML else _check_nesting(text)
        if deep is not None:
            raise error(f"{path}:{deep.line + 1}: {nested}")
        loader = _StrictLoader(text)
        try:
            root = loader.get_single_node()  # composing builds no objects, so it is safe
            deep = _check_nodes(loader, root) if root is not None else None
            if deep is not None:
                raise error(f"{path}:{deep.line + 1}: {nested}")
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        problem = exc.problem or str(exc)
        if "could not determine a constructor for the tag" in problem:
            tag = problem.split("tag", 1)[1].strip(" '")
            problem = f"YAML tag {tag!r} is not allowed ({what} holds plain data only)"
        loc = _path_at_mark(root, mark) if mark is not None else ()
        brand = ""
        if len(loc) >= 2 and loc[0] == "brands" and isinstance(loc[1], int):
            brand_node = _node_at(root, loc[:2])
            brand_id = next((v.value for k, v in getattr(brand_node, "value", [])
                             if isinstance(k, yaml.ScalarNode) and k.value == "id"
                             and isinstance(v, yaml.ScalarNode)), None)
            brand = f"brand {brand_id!r}: " if brand_id else f"brands[{loc[1]}]: "
            if len(loc) > 2:
                brand += f"field {_field_path(loc[2:])!r}: "
        elif loc:
            brand = f"field {_field_path(loc)!r}: "
        line = f":{mark.line + 1}" if mark is not None else ""
        raise error(f"{path}{line}: {brand}{problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        if "maximum nesting depth" in str(getattr(exc, "problem", "")):  # libyaml's own limit
            raise error(f"{path}{line}: {nested}") from None
        raise error(f"{path}{line}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping with {top} at the top")
    try:
        return model.model_validate(data)
    except _LocatedError as exc:
        raise error(_describe(path, root, data, exc.loc, exc.message)) from None
    except ValidationError as exc:
        errors = exc.errors()
        # A located error raised inside a model validator arrives wrapped.
        first = errors[0]
        located = (first.get("ctx") or {}).get("error")
        if isinstance(located, _LocatedError):
            raise error(_describe(path, root, data, located.loc, located.message)) from None
        locs = [tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))) for e in errors]
        # Drop follow-on errors about a container whose item already failed: linear in the
        # number of errors (a file of 20,000 bad brands is reported in a second, not minutes).
        containers = {loc[:n] for loc in locs for n in range(len(loc))}
        distinct = [i for i, loc in enumerate(locs) if loc not in containers]
        message = _describe(path, root, data, locs[distinct[0]], _pydantic_message(errors[distinct[0]]))
        if len(distinct) > 1:
            message += f" (and {len(distinct) - 1} more error{'s' if len(distinct) > 2 else ''})"
        raise error(message) from None


def brand_ids_in(path: str | Path) -> list[str]:
    """The brand ids a brands file names, read leniently (no validation): for the trigger
    form's choices. Empty when the file cannot be read; `load_registry` says why."""
    try:
        data = yaml.load(Path(path).read_text("utf-8"), Loader=_SafeLoader)
        return [str(b["id"]) for b in data["brands"] if isinstance(b, dict) and isinstance(b.get("id"), str)]
    except Exception:  # noqa: BLE001 - any unreadable file: no choices; plan reports the error
        return []


def parse_registry(text: str, path: str = "<brands>") -> Registry:
    return parse_yaml_model(text, path, Registry, what="brands.yaml", top="a 'brands' list", error=RegistryError)


def load_registry(path: str | Path) -> Registry:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_registry(text, str(path))
