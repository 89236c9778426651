"""Pages that stand in for the page asked for: bot challenges, login walls, "unavailable"
pages and blank renders, plus look-alikes that must stay ordinary pages.

No redistributable recording of these pages exists in the fixtures, so each is written for the
project in the vendor's or platform's own markup and wording, as documented or as recorded by
peers (origin beside each page):

- Cloudflare: the `cf-mitigated: challenge` header on an HTTP 403 is Cloudflare's documented
  marker of every challenge page (developers.cloudflare.com/cloudflare-challenges/
  challenge-types/challenge-pages/detect-response); the body has the managed challenge's
  `<title>Just a moment...</title>`, `window._cf_chl_opt` and its
  `/cdn-cgi/challenge-platform/.../orchestrate/chl_page/v1` script, as cloudscraper and
  FlareSolverr match them; the block page's "Sorry, you have been blocked" and
  `cf-error-details`;
- Akamai: the edge's "Access Denied" page with `Server: AkamaiGHost`, "Reference #18.<hex>" and
  its errors.edgesuite.net link; Bot Manager's `/_sec/cp_challenge/` crypto challenge;
- DataDome: microlinkhq/is-antibot `providers/datadome/failed.json` (MIT), the captcha page's
  `var dd={'rt':'c',...'host':'geo.captcha-delivery.com'}` and `ct.captcha-delivery.com/c.js`;
- PerimeterX / HUMAN: is-antibot `providers/perimeterx/failed.json`, "Robot or human?" with
  `<div id="px-captcha">` and `window._pxAppId`;
- hCaptcha and reCAPTCHA: the widgets' documented embed markup (`class="h-captcha"` with
  `https://js.hcaptcha.com/1/api.js`, `class="g-recaptcha"` with
  `https://www.google.com/recaptcha/api.js`), alone on the page; Google's "unusual traffic"
  page wording;
- X, Instagram, Facebook, TikTok, Telegram: their wording for walls and missing posts (X's
  "Hmm...this page doesn't exist." as X's clones and scrapers match it, "Login • Instagram" as
  is-antibot's Instagram rule matches it, Instagram's and Facebook's "Sorry, this page isn't
  available" / "This content isn't available right now", TikTok's "Video currently
  unavailable", Telegram's widget error "Post not found") and the redirects a logged-out visit
  gets (x.com -> /i/flow/login, instagram -> /accounts/login/, facebook -> /login/,
  tiktok -> /login).
"""

from dataclasses import dataclass

HOSTS = ("www.instagram.com", "www.facebook.com", "www.tiktok.com")


@dataclass(frozen=True)
class Page:
    """A status, header fields and an HTML body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: str


HTML = (("Content-Type", "text/html; charset=utf-8"),)

CLOUDFLARE_CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta http-equiv="X-UA-Compatible" content="IE=Edge"><meta name="robots" content="noindex,nofollow">
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>*{box-sizing:border-box;margin:0;padding:0}html{line-height:1.15;font-family:system-ui,
-apple-system,sans-serif;color:#313131}.main-wrapper{display:flex;flex-direction:column;
align-items:center}.main-content{margin:8rem auto;max-width:60rem;width:100%;padding:0 1.5rem}
.h1{font-size:2.5rem;font-weight:500}.h2{font-size:1.5rem;font-weight:500;margin:1rem 0}</style>
</head><body class="no-js"><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">www.example.test</h1>
<h2 id="challenge-running" class="h2">Verifying you are human. This may take a few seconds.</h2>
<div id="challenge-body-text" class="core-msg spacer">www.example.test needs to review the security
of your connection before proceeding.</div></div></div>
<script>(function(){window._cf_chl_opt={cvId:'3',cZone:"www.example.test",cType:'managed',
cRay:'8f1e2d3c4b5a6978',cH:'x',cUPMDTk:"\\/?__cf_chl_tk=x",cFPWv:'b',cITimeS:'1733100000'};
var cpo=document.createElement('script');
cpo.src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8f1e2d3c4b5a6978';
document.getElementsByTagName('head')[0].appendChild(cpo);}());</script>
<div class="footer" role="contentinfo"><div class="footer-inner">Performance &amp; security by
Cloudflare</div></div></body></html>"""

CLOUDFLARE_BLOCK = """<!DOCTYPE html><html lang="en-US"><head>
<title>Attention Required! | Cloudflare</title></head><body>
<div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">
<div class="cf-wrapper cf-header cf-error-overview"><h1 data-translate="block_headline">Sorry, you
have been blocked</h1><h2 class="cf-subheadline">You are unable to access example.test</h2></div>
<div class="cf-section cf-wrapper"><h2 data-translate="blocked_why_headline">Why have I been
blocked?</h2><p>This website is using a security service to protect itself from online attacks.
</p></div><div class="cf-error-footer">Cloudflare Ray ID: <strong>8f1e2d3c4b5a6978</strong></div>
</div></div></body></html>"""

AKAMAI_DENIED = """<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access "http&#58;&#47;&#47;www&#46;example&#46;test&#47;news&#47;"
on this server.<P>
Reference&#32;&#35;18&#46;7a2f1c17&#46;1733100000&#46;3b9e4d21
<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;7a2f1c17&#46;1733100000&#46;3b9e4d21</P>
</BODY>
</HTML>
"""

AKAMAI_CHALLENGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Please wait</title></head><body>
<div id="sec-if-cpt-container" role="main"><div class="behavioral-content">
<h1>Please wait while we check your browser</h1></div>
<iframe id="sec-cpt-if" class="crypto" data-key="" data-duration="5"
 src="/_sec/cp_challenge/ak-challenge-4-3.htm" title="Challenge"></iframe></div>
</body></html>"""

DATADOME = """<html lang="en"><head><title>www.example.test</title></head><body style="margin:0">
<p id="cmsg">Please enable JS and disable any ad blocker</p>
<script>var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F522B61E269B869FA6EAFFB5E1',
't':'fe','s':17434,'e':'x','host':'geo.captcha-delivery.com','cookie':'abc123'}</script>
<script src="https://ct.captcha-delivery.com/c.js"></script></body></html>"""

PERIMETERX = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Robot or human?</title></head><body><h1>Robot or human?</h1>
<p>Activate and hold the button to confirm that you’re human. Thank You!</p>
<div id="px-captcha"></div>
<script>window._pxAppId='PXu6b0qd2S';
var captchajs='/px/'+window._pxAppId+'/captcha/captcha.js?a=c&m=0&g=b'</script>
</body></html>"""

HCAPTCHA = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Security check</title><script src="https://js.hcaptcha.com/1/api.js" async defer></script>
</head><body><main><h1>One more step</h1><p>Please complete the security check to continue.</p>
<form method="post" action="/verify">
<div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001"></div>
<button type="submit">Continue</button></form></main></body></html>"""

RECAPTCHA_SORRY = """<!DOCTYPE html><html><head>
<meta http-equiv="content-type" content="text/html; charset=utf-8">
<title>https://www.example.test/search</title>
<script src="https://www.google.com/recaptcha/api.js" async defer></script></head>
<body style="font-family: arial, sans-serif"><div style="max-width:400px;">
<form id="captcha-form" action="index" method="post">
<div id="recaptcha" class="g-recaptcha"
 data-sitekey="6LfwuyUTAAAAAOAmoS0fdqijC2PbbdH4kjq62Y1b"></div>
</form><hr noshade size="1" style="color:#ccc; background-color:#ccc;"><br>
<div style="font-size:13px;"><b>About this page</b><br><br>Our systems have detected unusual
traffic from your computer network. This page checks to see if it's really you sending the
requests, and not a robot.</div></div></body></html>"""

_LONG_TEXT = " ".join(
    [
        "The council met on Tuesday to discuss the budget for the coming year, and the debate"
        " ran late into the evening as members argued over road repairs, school meals and the"
        " library's opening hours."
    ]
    * 12
)

COMMENT_RECAPTCHA = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Council budget debate runs late</title>
<script src="https://www.google.com/recaptcha/api.js" async defer></script></head>
<body><article><h1>Council budget debate runs late</h1><p>{_LONG_TEXT}</p></article>
<section id="comments"><h2>Leave a comment</h2><p>Log in or sign up to comment.</p>
<form method="post" action="/comments"><textarea name="comment"></textarea>
<div class="g-recaptcha" data-sitekey="6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI"></div>
<button type="submit">Post comment</button></form></section></body></html>"""

MENTIONS = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>How platforms hide posts</title></head><body><article>
<h1>How platforms hide posts</h1>
<p>When you open a deleted post, X says "This post is unavailable" or "Hmm...this page doesn't
exist", Instagram says "Sorry, this page isn't available", and Facebook asks you to log in:
"You must log in to continue." Cloudflare shows "Just a moment..." while it checks a browser,
and Akamai answers "Access Denied" with a reference number.</p><p>{_LONG_TEXT}</p>
<p>Log in to read more. Sign in to X to see replies.</p></article></body></html>"""

BLANK_WHITE = "<!DOCTYPE html><html><head><title>Loading</title></head><body></body></html>"
BLANK_DARK = (
    '<!DOCTYPE html><html><head><title>x.com</title></head><body style="background: #000">'
    '<div id="react-root"></div></body></html>'
)

X_LOGIN = """<!DOCTYPE html><html dir="ltr" lang="en"><head><meta charset="utf-8">
<title>Log in to X / X</title></head><body style="background-color:#fff">
<div id="react-root"><main role="main"><div role="dialog" aria-labelledby="modal-header">
<h1 id="modal-header"><span>Sign in to X</span></h1>
<button type="button"><span>Sign in with Google</span></button>
<button type="button"><span>Sign in with Apple</span></button><div>or</div>
<label><span>Phone, email, or username</span><input autocomplete="username" name="text"></label>
<button type="button"><span>Next</span></button>
<button type="button"><span>Forgot password?</span></button>
<div>Don't have an account? <a href="/i/flow/signup">Sign up</a></div></div></main></div>
</body></html>"""

X_LOGIN_IN_PLACE = X_LOGIN.replace(
    "</body>",
    '<script>history.replaceState(null, "", "/i/flow/login?redirect_after_login=%2Fdemo")'
    "</script></body>",
)
"""X's app moves to its login route without a navigation (`history.replaceState`)."""

X_MISSING = """<!DOCTYPE html><html dir="ltr" lang="en"><head><meta charset="utf-8">
<title>Page not found / X</title></head><body style="background-color:#fff">
<div id="react-root"><main role="main"><div data-testid="primaryColumn">
<div data-testid="error-detail"><span>Hmm...this page doesn’t exist. Try searching for something
else.</span><a href="/explore" role="link"><span>Search</span></a></div></div></main></div>
</body></html>"""

X_TWEET_WITH_UNAVAILABLE_QUOTE = """<!DOCTYPE html><html dir="ltr" lang="en"><head>
<meta charset="utf-8"><title>Demo Desk on X: "Quoting an old post" / X</title></head>
<body style="background-color:#fff"><div id="react-root"><main role="main">
<div data-testid="primaryColumn"><article data-testid="tweet" role="article">
<div data-testid="User-Name"><span>Demo Desk</span><span>@demonewsdesk</span></div>
<div data-testid="tweetText" lang="en"><span>Quoting an old post</span></div>
<div role="link"><span>This post is unavailable.</span><a href="https://help.x.com">Learn more
</a></div></article></div></main>
<div data-testid="BottomBar"><span>Don’t miss what’s happening</span>
<span>People on X are the first to know.</span><a href="/login">Log in</a>
<a href="/i/flow/signup">Sign up</a></div></div></body></html>"""

INSTAGRAM_LOGIN = """<!DOCTYPE html><html lang="en" class="no-js not-logged-in"><head>
<meta charset="utf-8"><title>Login • Instagram</title></head><body>
<div id="react-root"><section><main role="main"><article><div><h1>Instagram</h1>
<form id="loginForm" method="post"><label><span>Phone number, username, or email</span>
<input name="username"></label><label><span>Password</span><input name="password"
type="password"></label><button type="submit">Log in</button></form>
<p>Don't have an account? <a href="/accounts/emailsignup/">Sign up</a></p></div></article>
</main></section></div></body></html>"""

INSTAGRAM_MISSING = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Page not found • Instagram</title></head><body><div id="react-root"><section><main>
<div><h2>Sorry, this page isn't available.</h2><div>The link you followed may be broken, or the
page may have been removed. <a href="/">Go back to Instagram.</a></div></div></main></section>
</div></body></html>"""

FACEBOOK_LOGIN = """<!DOCTYPE html><html lang="en" id="facebook"><head><meta charset="utf-8">
<title>Log into Facebook</title></head><body class="UIPage_LoggedOut"><div id="globalContainer">
<div class="login_page"><h2>Log into Facebook</h2><div id="login_error">You must log in to
continue.</div><form id="login_form" action="/login/device-based/regular/login/" method="post">
<input type="text" name="email" placeholder="Email address or phone number">
<input type="password" name="pass" placeholder="Password"><button name="login"
type="submit">Log in</button></form><a href="/recover/initiate/">Forgotten account?</a>
</div></div></body></html>"""

FACEBOOK_MISSING = """<!DOCTYPE html><html lang="en" id="facebook"><head><meta charset="utf-8">
<title>Facebook</title></head><body><div role="main"><div><h2>This content isn't available right
now</h2><span>When this happens, it's usually because the owner only shared it with a small group
of people, changed who can see it or it's been deleted.</span><a href="/">Go to News Feed</a>
</div></div></body></html>"""

TIKTOK_LOGIN = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Log in | TikTok</title></head><body><div id="app"><div id="loginContainer">
<h2>Log in to TikTok</h2><div>Manage your account, check notifications, comment on videos, and
more.</div><a href="/login/qrcode">Use QR code</a><a href="/login/phone-or-email">Use phone /
email / username</a><div>Don't have an account? <a href="/signup">Sign up</a></div></div></div>
</body></html>"""

TIKTOK_MISSING = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>TikTok - Make Your Day</title></head><body><div id="app"><main><div>
<p>Video currently unavailable</p><a href="/foryou">Explore more videos</a></div></main></div>
</body></html>"""

TELEGRAM_PRIVATE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Telegram: View c/1234567</title></head><body class="no_transition">
<div class="tgme_page_wrap">
<div class="tgme_head_wrap"><a class="tgme_head_brand" href="//telegram.org/">Telegram</a></div>
<div class="tgme_body_wrap"><div class="tgme_page"><div class="tgme_page_title"><span>Private
channel</span></div><div class="tgme_page_description">If you have <strong>Telegram</strong>, you
can view this post and join the channel right away.</div><div class="tgme_page_action">
<a class="tgme_action_button_new" href="tg://privatepost?channel=1234567&amp;post=89">View in
Telegram</a></div></div></div></div></body></html>"""

TELEGRAM_MISSING = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Telegram Widget</title></head><body class="body_widget_post emoji_image nodesc">
<div class="tgme_widget_message_wrap"><div class="tgme_widget_message_error">Post not found
</div></div></body></html>"""


def _redirect(location: str) -> Page:
    return Page(302, (("Location", location), ("Content-Type", "text/html")), "")


PAGES: dict[tuple[str, str], Page] = {
    ("www.example.test", "/challenge/cloudflare"): Page(
        403,
        (
            *HTML,
            ("cf-mitigated", "challenge"),
            ("Server", "cloudflare"),
            ("CF-RAY", "8f1e2d3c4b5a6978-AMS"),
        ),
        CLOUDFLARE_CHALLENGE,
    ),
    ("www.example.test", "/challenge/cloudflare-markup"): Page(
        503, (*HTML, ("Server", "cloudflare")), CLOUDFLARE_CHALLENGE
    ),
    ("www.example.test", "/challenge/cloudflare-block"): Page(
        403, (*HTML, ("Server", "cloudflare")), CLOUDFLARE_BLOCK
    ),
    ("www.example.test", "/challenge/akamai"): Page(
        403, (*HTML, ("Server", "AkamaiGHost"), ("Mime-Version", "1.0")), AKAMAI_DENIED
    ),
    ("www.example.test", "/challenge/akamai-cpt"): Page(200, HTML, AKAMAI_CHALLENGE),
    ("www.example.test", "/challenge/datadome"): Page(
        403, (*HTML, ("X-DataDome", "protected"), ("X-DD-B", "1")), DATADOME
    ),
    ("www.example.test", "/challenge/perimeterx"): Page(403, HTML, PERIMETERX),
    ("www.example.test", "/challenge/hcaptcha"): Page(403, HTML, HCAPTCHA),
    ("www.example.test", "/challenge/recaptcha"): Page(429, HTML, RECAPTCHA_SORRY),
    ("www.example.test", "/lookalike/comment-recaptcha"): Page(200, HTML, COMMENT_RECAPTCHA),
    ("www.example.test", "/lookalike/mentions"): Page(200, HTML, MENTIONS),
    ("www.example.test", "/blank/white"): Page(200, HTML, BLANK_WHITE),
    ("www.example.test", "/blank/dark"): Page(200, HTML, BLANK_DARK),
    ("x.com", "/i/flow/login"): Page(200, HTML, X_LOGIN),
    ("x.com", "/demo_walled/status/1700000000000000001"): _redirect(
        "/i/flow/login?redirect_after_login=%2Fdemo_walled%2Fstatus%2F1700000000000000001"
    ),
    ("x.com", "/demo_gone/status/1700000000000000002"): Page(200, HTML, X_MISSING),
    ("x.com", "/demo_spa_walled/status/1700000000000000004"): Page(
        200, HTML, X_LOGIN_IN_PLACE.replace("<title>Log in to X / X</title>", "<title>X</title>")
    ),
    ("x.com", "/demonewsdesk/status/1700000000000000003"): Page(
        200, HTML, X_TWEET_WITH_UNAVAILABLE_QUOTE
    ),
    ("www.instagram.com", "/p/DemoWalled1/"): _redirect(
        "https://www.instagram.com/accounts/login/?next=%2Fp%2FDemoWalled1%2F"
    ),
    ("www.instagram.com", "/accounts/login/"): Page(200, HTML, INSTAGRAM_LOGIN),
    ("www.instagram.com", "/p/DemoGone2/"): Page(404, HTML, INSTAGRAM_MISSING),
    ("www.facebook.com", "/demopage/posts/101"): _redirect(
        "https://www.facebook.com/login/?next=https%3A%2F%2Fwww.facebook.com%2Fdemopage%2Fposts%2F101"
    ),
    ("www.facebook.com", "/login/"): Page(200, HTML, FACEBOOK_LOGIN),
    ("www.facebook.com", "/demopage/posts/102"): Page(200, HTML, FACEBOOK_MISSING),
    ("www.tiktok.com", "/@demo/video/7100000000000000001"): _redirect(
        "https://www.tiktok.com/login?redirect_url=https%3A%2F%2Fwww.tiktok.com%2F%40demo%2Fvideo%2F7100000000000000001"
    ),
    ("www.tiktok.com", "/login"): Page(200, HTML, TIKTOK_LOGIN),
    ("www.tiktok.com", "/@demo/video/7100000000000000002"): Page(200, HTML, TIKTOK_MISSING),
    ("t.me", "/c/1234567/89"): Page(200, HTML, TELEGRAM_PRIVATE),
    ("t.me", "/demonewsdesk/404"): Page(200, HTML, TELEGRAM_MISSING),
}
