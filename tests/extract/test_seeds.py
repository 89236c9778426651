"""The seed articles: every pasted signature with handle, name, date, text and media links."""

from collector.extract import extract
from tests.extract.conftest import SEEDS


def test_realrepublic_signatures() -> None:
    result = extract((SEEDS / "article-realrepublic-drones.txt").read_bytes())
    assert result.media_type == "text/plain"
    assert result.title == "China is building drones for Russia"
    signatures = [c for c in result.citations if c.kind == "post"]
    assert [
        (c.platform, c.url, c.author_handle, c.author_name, c.posted_at) for c in signatures
    ] == [
        ("twitter", None, "yoopya", "Yoopya", "2024-09-25"),
        ("twitter", None, "Maks_NAFO_FELLA", "MAKS 24 🇺🇦👀", "2024-09-25"),
        ("twitter", None, "Cyberspec1", "Tony", "2023-03-15"),
    ]
    yoopya, maks, tony = signatures
    assert yoopya.text == (
        "Exclusive: Russia has secret war drones project in China, intel sources say - "
        "https://t.co/A5xC8oWInC pic.twitter.com/aOGEWgEt2o"
    )
    assert [(link["url"], link["kind"]) for link in yoopya.links] == [
        ("https://t.co/A5xC8oWInC", "link"),
        ("https://pic.twitter.com/aOGEWgEt2o", "media"),
    ]
    assert maks.text == (
        "🇨🇳🤬 Russia has established a weapons programme in China to develop and produce "
        "long-range attack drones, - Reuters"
    )
    assert maks.links == []
    assert tony.text == (
        "⚡️Russian footage of the encounter with the Reaper drone....very brief "
        "pic.twitter.com/ouPL2vteyQ"
    )
    assert [link["url"] for link in tony.links] == ["https://pic.twitter.com/ouPL2vteyQ"]
    for citation in signatures:
        (occurrence,) = citation.occurrences
        assert occurrence.via == "signature"
        assert occurrence.raw.startswith("— ") and f"(@{citation.author_handle})" in occurrence.raw
    # The photo line after MAKS's signature belongs to no signature: a media citation of its own.
    media = [c for c in result.citations if c.kind == "media"]
    assert [(c.platform, c.url) for c in media] == [
        ("twitter", "https://pic.twitter.com/Cl7pqsc48D")
    ]
    assert len(result.citations) == 4


def test_reuters_rewrite_cites_nothing() -> None:
    result = extract((SEEDS / "article-reuters-rewrite-drones.txt").read_bytes())
    assert result.citations == []


def test_signature_in_html_paragraphs_and_mdash_entity() -> None:
    """A pasted embed whose blockquote markup was stripped: plain paragraphs in the article."""
    page = (
        "<html><body><article>"
        + "<p>Long enough article paragraph, with commas, to be the main content of this page.</p>"
        * 3
        + "<p>Exclusive: drones https://t.co/A5xC8oWInC pic.twitter.com/aOGEWgEt2o</p>"
        + "<p>&mdash; Yoopya (@yoopya) <a href='https://example.org/x'>September 25, 2024</a></p>"
        + "</article></body></html>"
    )
    result = extract(page)
    post = next(c for c in result.citations if c.kind == "post")
    assert (post.author_handle, post.author_name, post.posted_at) == (
        "yoopya",
        "Yoopya",
        "2024-09-25",
    )
    assert post.text == "Exclusive: drones https://t.co/A5xC8oWInC pic.twitter.com/aOGEWgEt2o"
    assert {link["url"] for link in post.links} == {
        "https://t.co/A5xC8oWInC",
        "https://pic.twitter.com/aOGEWgEt2o",
    }


def test_signature_dates_in_other_languages() -> None:
    text = "\n\n".join(
        [
            "Texte du post\n-- Jean (@jean) 25 septembre 2018",
            "Texto\n— Ana (@ana) 3 de marzo de 2021",
            "Текст\n— Иван (@ivan) 25 сентября 2018 г.",
            "本文\n— 太郎 (@taro) 2019年1月25日",
        ]
    )
    result = extract(text)
    assert [(c.author_handle, c.posted_at, c.text) for c in result.citations] == [
        ("jean", "2018-09-25", "Texte du post"),
        ("ana", "2021-03-03", "Texto"),
        ("ivan", "2018-09-25", "Текст"),
        ("taro", "2019-01-25", "本文"),
    ]


def test_dash_lines_that_are_not_signatures() -> None:
    text = "Posted in code\n— in Code\n— Permalink\n- Bob (@bob) said hi\n"
    assert extract(text).citations == []
