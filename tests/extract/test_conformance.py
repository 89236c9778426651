"""twitter-text conformance (extract.yml): URLs, URLs with indices, t.co with params, mentions.

Pass rate is reported in tests/extract/CONFORMANCE.md.
"""

import pytest
import yaml

from collector.extract.text import extract_mentions, extract_urls
from tests.extract.conftest import FIXTURES

CASES = yaml.safe_load((FIXTURES / "twitter-text-conformance" / "extract.yml").read_text())["tests"]
SECTIONS = (
    "urls",
    "urls_with_indices",
    "urls_with_directional_markers",
    "tco_urls_with_params",
    "mentions",
)


def _cases(section: str) -> list:
    return [pytest.param(case, id=f"{section}:{i}") for i, case in enumerate(CASES[section])]


@pytest.mark.parametrize("case", _cases("urls") + _cases("tco_urls_with_params"))
def test_urls(case: dict) -> None:
    assert [url for url, _, _ in extract_urls(case["text"])] == case["expected"], case[
        "description"
    ]


@pytest.mark.parametrize(
    "case", _cases("urls_with_indices") + _cases("urls_with_directional_markers")
)
def test_urls_with_indices(case: dict) -> None:
    found = [
        {"url": url, "indices": [start, end]} for url, start, end in extract_urls(case["text"])
    ]
    assert found == case["expected"], case["description"]


@pytest.mark.parametrize("case", _cases("mentions"))
def test_mentions(case: dict) -> None:
    assert extract_mentions(case["text"]) == case["expected"], case["description"]


def test_section_sizes_match_the_suite() -> None:
    assert {s: len(CASES[s]) for s in SECTIONS} == {
        "urls": 91,
        "urls_with_indices": 10,
        "urls_with_directional_markers": 2,
        "tco_urls_with_params": 5,
        "mentions": 23,
    }
