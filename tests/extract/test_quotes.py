"""Quoted post text against a candidate's: normalisation and scores."""

from collector.extract.quotes import MATCH_SCORE, normalise, quote_score

POST = "🇨🇳🤬 Russia has established a weapons programme in China to develop drones, - Reuters"


def test_emoji_are_kept_and_whitespace_collapses() -> None:
    assert normalise("🇨🇳🤬  Russia\n has\u00a0established").text == "🇨🇳🤬 russia has established"
    assert quote_score("🇨🇳 Russia has", "🤬 Russia has") < 1.0


def test_trailing_links_and_truncation() -> None:
    pasted = "🇨🇳🤬 Russia has established a weapons programme in China… pic.twitter.com/Cl7pqsc48D"
    found = normalise(pasted)
    assert found.truncated and found.text.endswith("in china")
    assert quote_score(pasted, POST + " https://t.co/AbC123") == 1.0
    assert quote_score("🇨🇳🤬 Russia has established a weapons programme in China...", POST) == 1.0


def test_fullwidth_and_case_fold_under_nfkc() -> None:
    assert quote_score("ＲＵＳＳＩＡ has established", "russia has established") == 1.0


def test_other_text_scores_low() -> None:
    assert quote_score(POST, "Another post about drones that day") < MATCH_SCORE
    assert quote_score("", POST) == 0.0 and quote_score(POST, "   ") == 0.0
