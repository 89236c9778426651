"""X/Twitter with the investigator's account: GraphQL `TweetResultByRestId` (what x.com loads
for a signed-in person: replies and threads, posts of protected accounts the account follows,
age-restricted posts) and the account probe `session check` uses.

A signed-in x.com request carries the `auth_token` and `ct0` cookies, `ct0` again as the
`x-csrf-token` header, and the web app's public bearer token (the one x.com's own script
sends, also used by yt-dlp and gallery-dl). The endpoint's query id changes with x.com's
releases: `EVIDENCE_TWITTER_GRAPHQL_URL` sets the whole URL.
"""

import json

import httpx

from collector.platforms.config import PlatformConfig
from collector.platforms.fetching import fetch_into
from collector.platforms.result import PlatformResult, RawResponse
from collector.platforms.session import PlatformSession

WEB_BEARER = (
    "AAAAAAAAAAAAAAAAAAAAANRILgAAAAAAnNwIzUejRCOuH5E6I8xnZz4puTs"
    "%3D1Zv7ttfk8LF81IUq16cHjhLTvJu4FA33AGWWjCpTnA"
)
GRAPHQL_FEATURES = {
    "creator_subscriptions_tweet_preview_api_enabled": True,
    "communities_web_enable_tweet_community_results_fetch": True,
    "c9s_tweet_anatomy_moderator_badge_enabled": True,
    "tweetypie_unmention_optimization_enabled": True,
    "responsive_web_edit_tweet_api_enabled": True,
    "graphql_is_translatable_rweb_tweet_is_translatable_enabled": True,
    "view_counts_everywhere_api_enabled": True,
    "longform_notetweets_consumption_enabled": True,
    "responsive_web_twitter_article_tweet_consumption_enabled": True,
    "tweet_awards_web_tipping_enabled": False,
    "freedom_of_speech_not_reach_fetch_enabled": True,
    "standardized_nudges_misinfo": True,
    "tweet_with_visibility_results_prefer_gql_limited_actions_policy_enabled": True,
    "longform_notetweets_rich_text_read_enabled": True,
    "longform_notetweets_inline_media_enabled": True,
    "responsive_web_graphql_exclude_directive_enabled": True,
    "verified_phone_label_enabled": False,
    "responsive_web_media_download_video_enabled": False,
    "responsive_web_graphql_skip_user_profile_image_extensions_enabled": False,
    "responsive_web_graphql_timeline_navigation_enabled": True,
    "responsive_web_enhance_cards_enabled": False,
}


def signed_in_headers(session: PlatformSession | None, url: str) -> dict[str, str] | None:
    """The headers of a signed-in request to `url`, or None when the session has no X login
    (no `auth_token` and `ct0` cookies for that host)."""
    if session is None:
        return None
    host = httpx.URL(url).host
    auth, csrf = session.cookie("auth_token", host), session.cookie("ct0", host)
    if not auth or not csrf:
        return None
    return {
        "authorization": f"Bearer {WEB_BEARER}",
        "x-csrf-token": csrf,
        "cookie": f"auth_token={auth}; ct0={csrf}",
        "x-twitter-auth-type": "OAuth2Session",
        "x-twitter-active-user": "yes",
    }


async def fetch_graphql(
    client: httpx.AsyncClient,
    result: PlatformResult,
    config: PlatformConfig,
    session: PlatformSession | None,
    post_id: str,
) -> RawResponse | None:
    """GET `TweetResultByRestId` signed in; None (and a note) when the session cannot."""
    headers = signed_in_headers(session, config.twitter_graphql_url)
    if headers is None:
        if session is not None:
            result.notes.append(f"twitter.graphql: session {session.name!r} has no X login")
        return None
    variables = {"tweetId": post_id, "withCommunity": False, "includePromotedContent": False,
                 "withVoice": False}  # fmt: skip
    params = {
        "variables": json.dumps(variables, separators=(",", ":")),
        "features": json.dumps(GRAPHQL_FEATURES, separators=(",", ":")),
    }
    return await fetch_into(
        result,
        client,
        "twitter.graphql",
        config.twitter_graphql_url,
        max_bytes=config.response_max_bytes,
        params=params,
        headers=headers,
    )


async def account_handle(
    client: httpx.AsyncClient, config: PlatformConfig, session: PlatformSession
) -> tuple[bool | None, str | None, str]:
    """Probe the account: (logged in? None when unknown, its @handle, why)."""
    url = config.twitter_account_url
    headers = signed_in_headers(session, url)
    if headers is None:
        return None, None, "the session has no auth_token and ct0 cookies for X"
    try:
        response = await client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        return None, None, f"{url}: {type(exc).__name__}"
    if response.status_code in (401, 403):
        return False, None, f"{url} answered HTTP {response.status_code} (logged out)"
    if response.status_code != 200:
        return None, None, f"{url} answered HTTP {response.status_code}"
    try:
        screen_name = response.json().get("screen_name")
    except (ValueError, AttributeError):
        return None, None, f"{url} answered something other than account settings"
    if not isinstance(screen_name, str) or not screen_name:
        return None, None, f"{url} named no account"
    return True, f"@{screen_name}", f"{url} answered for @{screen_name}"
