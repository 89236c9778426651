"""Exact X/Twitter post-id sets for every real page in the fixture sets.

How the expected sets were counted (by hand, never with this extractor): for each page we
grepped the raw HTML for `twitter.com/<handle>/status(es)/<id>`, `data-tweet-id`,
`data-tweetid` and `data-embed-id`, then opened each hit in the file and read its surroundings
to decide whether the article cites it:

- an embed (`blockquote.twitter-tweet`, a rendered widget, a custom data-* block) or a status
  link in the article's own text, image credit or footnotes is a cited post;
- status links in the site's footer widgets ("ON TWITTER" timelines), in the referrer list of
  a blog, or inside other articles preloaded as hidden JSON are not.

Notes per page are next to each set.
"""

import pytest

from collector.extract import extract
from tests.extract.conftest import NEWS, PEER

NEWS_PAGES: dict[str, set[str]] = {
    # 3 identical blockquotes of one tweet: one citation with 3 occurrences.
    "goose3__test_tweet.html": {"527783221539643393"},
    # 11 blockquote.twitter-tweet in section.article-content (hosekj's is also the photo credit).
    "newspaper__mashable.com2.html": {
        "547056549504774145",
        "547059026589409280",
        "547060932036534272",
        "547081626543730688",
        "547074993990172672",
        "547060588149755904",
        "547058529363042304",
        "547079556482727936",
        "547051374782214145",
        "547057077844455424",
        "547080092367998977",
    },
    # The 6 status links sit in the footer's "ON TWITTER" timeline widget (the site's own
    # account, rendered as twitterapi links): not citations. The article cites no post.
    "newspaper__self.com1.html": set(),
    # 9 blockquote.twitter-tweet in div#mainBodyArea.
    "newspaper__telegraph.co.uk1.html": {
        "550111059504156672",
        "550126047144841216",
        "550171972366110720",
        "549884936254025728",
        "549734896499830785",
        "550073209379246080",
        "550153893359804418",
        "550155752703148032",
        "550111045792976896",
    },
    # The escaped embeds and status links live in div#initialPageRailList (display:none,
    # data-pageraillist JSON), in the bodies of four *other* articles preloaded for scrolling;
    # the article itself (the Vatican and American nuns) cites no post.
    "newspaper__thedailybeast.com1.html": set(),
    # a.twitter-tweet is a share button (intent/tweet): negative page.
    "postlight__buzzap.jp.html": set(),
    # 16 blockquote.twitter-tweet (15 ids: itmedia_news 1092262735423856642 twice) plus two
    # posts linked from the footnotes (sprout_group, HiromitsuTakagi/1096214167814516736).
    # HiromitsuTakagi 1095692048097669120 and 1096274886635319298 appear only in the diary's
    # referrer list (div.refererlist, pages that linked here): not citations.
    "postlight__takagi-hiromitsu.jp.html": {
        "1088755839102418944",
        "1089840528357814278",
        "1089081689366642688",
        "1089308700261593088",
        "1089996539030851590",
        "1089897577057636352",
        "1090237534968283137",
        "1091693165764009984",
        "1092262735423856642",
        "1094494305513889793",
        "1088993415855915008",
        "1089006701313896448",
        "1095195943090057216",
        "1092737501188354049",
        "1092739232127307776",
        "524080712144535553",
        "1096214167814516736",
    },
    # 4 blockquote[data-tweetid] with an empty status link inside.
    "postlight__www.bustle.com.html": {
        "636842709739659264",
        "801060236463407104",
        "801919146820714497",
        "803797006212878336",
    },
    # 6 blockquote.twitter-tweet in article.story.
    "postlight__www.inquisitr.com.html": {
        "807949237820465152",
        "808335105232142337",
        "807950329463668736",
        "808043607378771969",
        "517045156826988544",
        "519224951703105536",
    },
    # 1 embed whose permalink uses /statuses/; em-dash lines "— in Code" are not signatures.
    "readability__001__source.html": {"370525864523743232"},
    # 3 rendered widgets: iframe.twitter-tweet-rendered[data-tweet-id], no status URL.
    "readability__breitbart__source.html": {
        "800384752746254337",
        "769239021021036544",
        "807998073116835840",
    },
    # 12 blockquote.twitter-tweet data-lang="de".
    "trafilatura__basicthinking.de.tweets.html": {
        "1044502590266978309",
        "1034172462659973120",
        "1002930867692597250",
        "971100857189195777",
        "1039201029093564420",
        "990549294829666304",
        "1034338788066164739",
        "1008256346859409408",
        "1051023688911544320",
        "1016923514002137088",
        "1067112604739534850",
        "1064548778139676685",
    },
    # 1 embed with a German date.
    "trafilatura__moritz-meyer.net.vreni.html": {"1007133657704910848"},
    # 1 embed (schukin/1146359923158089728), 2 status links in prose (flyosity, schukin) and a
    # status link as image credit (WSig, twice).
    "trafilatura__theverge.com.ios13.html": {
        "1146359923158089728",
        "1146136279647772673",
        "1146360923839328257",
        "1146146914985009154",
    },
    # 3 inline links (one on mobile.twitter.com) and an iframely data-embedded-url block.
    "trafilatura__vice.com.amazon.html": {
        "1161360217671532544",
        "1163527563383382017",
        "1163558051523244032",
        "1163535602798776321",
    },
}

PEER_PAGES: dict[str, set[str]] = {
    # 11 div[data-embed-type=twitter][data-embed-id] embeds plus 5 inline status links.
    "time.html": {
        "120620074301267968",
        "266031293945503744",
        "440322224407314432",
        "474141231996350466",
        "551561686755598336",
        "567053242429734913",
        "580932146874957824",
        "590682675847032833",
        "811531782982078464",
        "819044196371800065",
        "849813577770778624",
        "20",
        "12247323274",
        "64780730286358528",
        "566004224253624320",
        "441000198995582976",
    },
    # 13 blockquote.subbuzz-tweet__container embeds plus one inline link (VP's speech).
    # JurisDudence/1137055168472784896 appears only inside another tweet's JSON entities.
    "buzzfeed.html": {
        "1137051097955102720",
        "1137055406268866560",
        "1137073743640104963",
        "1137051347621109760",
        "1137120306005446656",
        "1137101563284119552",
        "1137096282189623296",
        "1137072170465734656",
        "1137055549105872896",
        "1137087071762305024",
        "1128050996545036288",
        "1137110361025515527",
        "1137128519115452416",
        "1110680387389399042",
    },
    # The <q> quote linking GavinNewsom's post (goose3 misses it).
    "cnn.html": {"1397575220521623553"},
    "npr.html": set(),
    "guardian.html": set(),
    "1987377089.html": set(),
}


def _post_ids(path) -> set[str]:
    result = extract(path.read_bytes())
    return {c.post_id for c in result.posts("twitter") if c.post_id}


@pytest.mark.parametrize("name", sorted(NEWS_PAGES))
def test_news_page_post_ids(name: str) -> None:
    assert _post_ids(NEWS / name) == NEWS_PAGES[name]


@pytest.mark.parametrize("name", sorted(PEER_PAGES))
def test_tweetfinder_page_post_ids(name: str) -> None:
    assert _post_ids(PEER / name) == PEER_PAGES[name]


def test_every_fixture_page_has_an_expectation() -> None:
    assert {p.name for p in NEWS.glob("*.html")} == set(NEWS_PAGES)
    assert {p.name for p in PEER.glob("*.html")} == set(PEER_PAGES)


def test_tweetfinder_peer_assertions() -> None:
    """The peer's own assertions (EXPECTED.json): embedded counts and the named tweets."""
    import json

    expected = json.loads((PEER / "EXPECTED.json").read_text())["fixtures"]
    time_posts = extract((PEER / "time.html").read_bytes()).posts("twitter")
    embedded = [c for c in time_posts if c.embedded]
    assert len(embedded) == expected["time.html"]["count_embedded_tweets"] == 11
    assert embedded[1].post_id == expected["time.html"]["embedded_tweets[1].tweet_id"]
    buzz = [c for c in extract((PEER / "buzzfeed.html").read_bytes()).posts() if c.embedded]
    assert len(buzz) == expected["buzzfeed.html"]["count_embedded_tweets"] == 13
    assert buzz[0].post_id == expected["buzzfeed.html"]["embedded_tweets[0].tweet_id"]
    assert buzz[0].author_handle == expected["buzzfeed.html"]["embedded_tweets[0].username"]
    for name in ("npr.html", "guardian.html", "1987377089.html"):
        assert expected[name]["count_embedded_tweets"] == 0
        assert extract((PEER / name).read_bytes()).posts() == []


def test_embed_details_signature_links_and_dates() -> None:
    """An embed carries the signature's name, handle, date, text and its t.co/pic links."""
    page = (NEWS / "trafilatura__basicthinking.de.tweets.html").read_bytes()
    posts = {c.post_id: c for c in extract(page).posts()}
    diktator = posts["1044502590266978309"]
    assert diktator.author_handle == "diktator"
    assert diktator.author_name == "Peter Wittkamp🐬"
    assert diktator.posted_at == "2018-09-25"  # "25. September 2018"
    assert diktator.url == "https://x.com/diktator/status/1044502590266978309"
    assert posts["971100857189195777"].posted_at == "2018-03-06"  # "6. März 2018"
    links = [link["url"] for c in posts.values() for link in c.links]
    # Counted in the HTML: 8 t.co anchors in the blockquotes, 3 of them shown as pic.twitter.com.
    assert sum(url.startswith("https://t.co/") for url in links) == 8
    assert {u for u in links if "pic.twitter.com" in u} == {
        "https://pic.twitter.com/qc6VqGZYA2",
        "https://pic.twitter.com/55bGhQuYdE",
        "https://pic.twitter.com/bly6rTgRxA",
    }


def test_repeated_embed_is_one_citation_with_occurrences() -> None:
    result = extract((NEWS / "goose3__test_tweet.html").read_bytes())
    assert len(result.citations) == 1
    (post,) = result.citations
    assert len(post.occurrences) == 3
    assert post.author_name == "Derek Greene"
    assert post.posted_at == "2014-10-30"
    assert post.text and post.text.startswith("Python-Goose: useful #python library")
    assert [link["url"] for link in post.links] == ["https://t.co/OGKBvxxunu"]


def test_japanese_numeric_references_are_decoded() -> None:
    result = extract((NEWS / "postlight__takagi-hiromitsu.jp.html").read_bytes())
    post = next(c for c in result.posts() if c.post_id == "1088755839102418944")
    assert post.author_handle == "nhk_nw9"
    assert (
        post.text and "&#x" not in post.text and any("\u3040" <= ch <= "\u30ff" for ch in post.text)
    )


def test_site_chrome_profiles_are_not_cited() -> None:
    """Own-account links in header, footer and sidebar are not profile citations."""
    for path, own in (
        (NEWS / "postlight__www.inquisitr.com.html", "theinquisitr"),
        (NEWS / "trafilatura__basicthinking.de.tweets.html", "basicthinking"),
        (NEWS / "newspaper__mashable.com2.html", "mashable"),
        (PEER / "time.html", "time"),
    ):
        handles = {
            c.author_handle.lower() for c in extract(path.read_bytes()).citations if c.author_handle
        }
        assert own not in handles, path.name


def test_body_profile_link_is_a_profile_citation() -> None:
    result = extract((PEER / "cnn.html").read_bytes())
    profiles = [c for c in result.citations if c.kind == "profile"]
    assert [(c.platform, c.url) for c in profiles] == [("twitter", "https://x.com/sliccardo")]


def test_extraction_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("extract() opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for path in [*NEWS.glob("*.html"), *PEER.glob("*.html")]:
        extract(path.read_bytes(), base_url="https://news.example/")
