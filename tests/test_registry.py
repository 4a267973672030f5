"""Loading and validating config/brands.yaml: exact error messages for bad files."""

from __future__ import annotations

import pytest

from monitor.registry import RegistryError, load_registry, parse_registry
from tests.conftest import BRANDS_FILE

BASE = BRANDS_FILE.read_text(encoding="utf-8")
NAME = "config/brands.yaml"


def _error(text: str) -> str:
    with pytest.raises(RegistryError) as info:
        parse_registry(text, NAME)
    return str(info.value)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_shipped_registry_has_the_six_brands(registry):
    assert registry.ids == ["lao-airlines", "lao-telecom", "laotian-times", "laopost", "tholakhong", "laopatthana"]
    airlines = registry.brand("lao-airlines")
    assert "ການບິນລາວ" in airlines.aliases
    assert airlines.official.domains == ("laoairlines.com",)
    assert (airlines.official.accounts[0].platform, airlines.official.accounts[0].handle) == ("facebook", "laoairlines")
    # handles are stored case-folded: 'LaoTelecom' in the file
    assert registry.brand("lao-telecom").official.accounts[0].handle == "laotelecom"
    for brand in registry.brands:
        assert brand.verified.confirmed is False and "confirmation" in brand.verified.note
        assert all(owner.email.endswith("@example.org") for owner in brand.owners)


def test_bad_domain_names_file_line_brand_and_field():
    text = BASE.replace("domains: [laoairlines.com]", "domains: [laoairlines..com]")
    assert _error(text) == (f"{NAME}:{_line_of(text, 'laoairlines..com')}: brand 'lao-airlines': "
                            "field 'official.domains[0]': 'laoairlines..com' is not a valid host name")


def test_single_label_domain_is_refused():
    text = BASE.replace("domains: [laotel.com]", "domains: [laotel]")
    assert _error(text).endswith("brand 'lao-telecom': field 'official.domains[0]': 'laotel' is not a valid host name")


def test_missing_field():
    text = BASE.replace("    owners:\n      - {name: Tholakhong brand protection (placeholder), email: tholakhong@example.org}\n", "")
    assert _error(text) == f"{NAME}:{_line_of(text, '- id: tholakhong')}: brand 'tholakhong': field 'owners': is required"


def test_duplicate_brand_id():
    text = BASE.replace("id: laopost", "id: lao-airlines")
    line = text[: text.index("id: lao-airlines", text.index("id: lao-airlines") + 1)].count("\n") + 1
    assert _error(text) == (f"{NAME}:{line}: brand 'lao-airlines': field 'id': "
                            "duplicate brand id 'lao-airlines' (also brands[0])")


def test_unknown_key():
    text = BASE.replace("    keywords: [parcel held", "    keyword: [parcel held")
    assert _error(text) == f"{NAME}:{_line_of(text, 'keyword:')}: brand 'laopost': field 'keyword': is not a known field"


def test_yaml_tag_that_would_build_objects():
    text = BASE.replace("name: Tholakhong\n", "name: !!python/object/apply:os.system ['echo pwned']\n")
    assert _error(text) == (f"{NAME}:{_line_of(text, '!!python')}: brand 'tholakhong': field 'name': YAML tag "
                            "'tag:yaml.org,2002:python/object/apply:os.system' is not allowed "
                            "(brands.yaml holds plain data only)")


def test_duplicate_key_is_not_silently_dropped():
    text = BASE.replace("  - id: tholakhong\n", "  - id: tholakhong\n    id: tholakhong-two\n")
    assert _error(text) == f"{NAME}:{_line_of(text, 'id: tholakhong-two')}: brand 'tholakhong': field 'id': duplicate key 'id'"


@pytest.mark.parametrize(("first", "second", "shown"), [
    ("id", '"id"', "'official.id': duplicate key 'id'"),  # quoted or not, the same key
    ("1", "0x1", "'official.0x1': duplicate key 1"),  # two spellings of one number
])
def test_duplicate_key_spelled_differently_is_found(first, second, shown):
    text = f"brands:\n  - id: x\n    official:\n      {first}: a\n      {second}: b\n"
    assert _error(text) == f"{NAME}:5: brand 'x': field {shown}"


def test_bad_owner_email():
    text = BASE.replace("email: laopost@example.org", "email: not-an-email")
    assert _error(text) == (f"{NAME}:{_line_of(text, 'not-an-email')}: brand 'laopost': field 'owners[0].email': "
                            "'not-an-email' is not an email address")


def test_domain_claimed_by_two_brands():
    text = BASE.replace("domains: [laopost.com]", "domains: [laotel.com]")
    assert _error(text).endswith("brand 'laopost': field 'official.domains[0]': "
                                 "'laotel.com' is already an official domain of 'lao-telecom'")


def test_not_a_mapping_and_broken_yaml():
    assert _error("- a\n- b\n") == f"{NAME}: expected a mapping with a 'brands' list at the top"
    assert _error("brands:\n  - id: [\n").startswith(f"{NAME}:3: not valid YAML:")


def test_missing_file(tmp_path):
    with pytest.raises(RegistryError, match=r"nope\.yaml: no such file"):
        load_registry(tmp_path / "nope.yaml")


def test_domains_are_normalised_on_load():
    text = BASE.replace("domains: [laoairlines.com]", "domains: [LaoAirlines.COM.]")
    assert parse_registry(text).brand("lao-airlines").official.domains == ("laoairlines.com",)


@pytest.mark.parametrize(("text", "message"), [
    ("brands:\n  - id: x\n    keywords: " + "[" * 200 + "]" * 200 + "\n",
     "config/brands.yaml:3: nested more than 64 levels deep"),
    ("brands:\n  - id: x\n    official:\n      ? [a, b]\n      : 1\n",
     "config/brands.yaml:4: brand 'x': field 'official': a key must be a plain value, not a list or a mapping"),
    ("brands:\n  - id: lao-airlines\n    verified:\n      by: someone\n      on: 2026-13-45\n",
     "config/brands.yaml:5: brand 'lao-airlines': field 'verified.on': '2026-13-45' is not a date "
     "(month must be in 1..12)"),
])
def test_hostile_yaml_gives_a_located_error_not_a_traceback(text, message):
    assert _error(text).startswith(message)


def test_a_huge_invalid_registry_is_checked_in_linear_time():
    """20,000 invalid brands used to take over 300 s (every error compared with every other)."""
    import time

    brand = "  - id: b{n}\n    name: Brand {n}\n    official: {{domains: [b{n}.com]}}\n    owners: []\n"
    text = "brands:\n" + "".join(brand.format(n=n) for n in range(20_000))
    started = time.perf_counter()
    message = _error(text)
    assert time.perf_counter() - started < 60  # about 10 s here; it was over 300 s
    assert message.startswith("config/brands.yaml:") and "brand 'b0'" in message and "more errors" in message


def test_nesting_past_the_parser_s_own_limit_is_a_located_error_too():
    message = _error("brands:\n  - id: x\n    keywords: " + "[" * 5000 + "]" * 5000 + "\n")
    assert message.startswith("config/brands.yaml:3:") and "nest" in message


def test_without_libyaml_the_scanner_guards_the_nesting():
    """PyYAML's pure-Python composer recurses per level: without libyaml (which stops at 1,000
    levels by itself) the nesting is checked with the scanner before composing."""
    import subprocess
    import sys

    script = (
        "import yaml\n"
        "del yaml.CSafeLoader\n"  # as on a machine where PyYAML was built without libyaml
        "from monitor.registry import RegistryError, parse_registry\n"
        "for text in ('brands:\\n  - id: x\\n    keywords: ' + '[' * 5000 + ']' * 5000 + '\\n',\n"
        "             'brands:\\n' + ''.join(' ' * (2 * i + 2) + 'k%d:\\n' % i for i in range(1100)),\n"
        "             'brands:\\n  - id: x\\n    id: y\\n'):\n"
        "    try:\n"
        "        parse_registry(text, 'config/brands.yaml')\n"
        "    except RegistryError as exc:\n"
        "        print(exc)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0].startswith("config/brands.yaml:3: nested more than 64 levels deep"), out
    assert out[1].startswith("config/brands.yaml:") and "nested more than 64 levels deep" in out[1], out
    assert out[2].endswith("duplicate key 'id'"), out


def test_a_tag_that_makes_a_list_of_a_key_is_a_located_error():
    assert _error("brands:\n  - id: a\n    !!omap x: 1\n") == \
        f"{NAME}:3: brand 'a': field 'x': expected a sequence, but found scalar"
