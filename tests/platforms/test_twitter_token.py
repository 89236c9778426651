"""The syndication token against published values and against JavaScript itself (node)."""

import json
import math
import shutil
import subprocess

import pytest

from collector.platforms.twitter_token import js_radix_string, syndication_token
from tests.platforms.conftest import load_json


def test_token_matches_bettertwitfix_vector() -> None:
    # dylanpdx/BetterTwitFix test_vx_misc.py, copied into the fixture with its source note.
    vectors = load_json("twitter-syndication", "unavailable_and_tombstone_shapes.json")
    cases = vectors["syndication_token_test_vectors"]["vectors"]
    assert cases
    for case in cases:
        assert syndication_token(case["id"]) == case["token"]


def test_token_matches_second_public_implementation() -> None:
    # A public TypeScript test: xSyndicationToken("2077373111717282032") === "51a9d3j3l3".
    assert syndication_token("2077373111717282032") == "51a9d3j3l3"


def test_token_keeps_digits_other_than_zero() -> None:
    token = syndication_token(1641086480675225601)
    assert "0" not in token and "." not in token
    assert token.isalnum() and token == token.lower()


NODE = shutil.which("node")
IDS = [
    "20",
    "71633762",
    "1641086480675225601",
    "1684218600456876032",
    "1902059299591090335",
    "999999999999999999",
    "1860000000000000001",
]
FLOATS = [math.pi, 0.1, 1 / 3, 255.5, 1e-7, 123456.789, 2**53 - 0.5, 0.5, 35.999999]


@pytest.mark.skipif(NODE is None, reason="node is not installed; the published vectors still run")
def test_token_and_radix_match_node() -> None:
    script = (
        "const ids = JSON.parse(process.argv[1]); const fl = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify({"
        "tokens: ids.map(id => ((Number(id)/1e15)*Math.PI).toString(36).replace(/(0+|\\.)/g,'')),"
        "b36: fl.map(x => x.toString(36)), b2: fl.map(x => x.toString(2)),"
        "b7: fl.map(x => x.toString(7))}))"
    )
    out = subprocess.run(
        [NODE, "-e", script, json.dumps(IDS), json.dumps(FLOATS)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    expected = json.loads(out.stdout)
    assert [syndication_token(i) for i in IDS] == expected["tokens"]
    assert [js_radix_string(x, 36) for x in FLOATS] == expected["b36"]
    assert [js_radix_string(x, 2) for x in FLOATS] == expected["b2"]
    assert [js_radix_string(x, 7) for x in FLOATS] == expected["b7"]


def test_radix_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        js_radix_string(-1.0, 36)
    with pytest.raises(ValueError):
        js_radix_string(1.0, 37)
