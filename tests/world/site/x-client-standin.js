/*
 * THE OFFLINE TEST WORLD'S STAND-IN FOR X'S WEB CLIENT. NOT X'S CODE.
 *
 * Written for this project (Apache-2.0). The world serves it at X's client path,
 * https://abs.twimg.com/responsive-web/client-web/main.js, because X's own scripts cannot be
 * recorded or redistributed here: without a script, an x.com status page renders nothing, as
 * x.com does without X's scripts. Against real X, X's scripts draw the page.
 *
 * In the page it reads the post id from location.pathname and draws the post from a recorded
 * answer only, never from made-up data:
 *   1. the page's own recorded metadata, when it names this post (og:url .../status/<id>,
 *      og:title "Name (@handle) on X", og:description the text, og:image the media);
 *   2. else the post's recorded oEmbed answer, asked from publish.twitter.com as JSONP
 *      (`callback=`), since the endpoint sends no CORS headers;
 *   3. else (no recording) X's "Hmm...this page doesn't exist." page.
 * It draws X's own markup (article[data-testid="tweet"], User-Name, tweetText, <time>) into
 * #react-root, plus a footer saying which world drew it from what.
 */
(function () {
  "use strict";
  var root = document.getElementById("react-root");
  var found = /\/status(?:es)?\/(\d+)/.exec(location.pathname);
  if (!root || !found) {
    return;
  }
  var id = found[1];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function meta(property) {
    var node = document.querySelector('meta[property="' + property + '"]');
    return node ? node.getAttribute("content") : null;
  }

  function snowflakeTime(postId) {
    // X's post ids since November 2010 carry their creation time (ms since 1288834974657).
    if (postId.length < 15) {
      return null;
    }
    var ms = Number((BigInt(postId) >> 22n) + 1288834974657n);
    return new Date(ms);
  }

  function timeNode(label) {
    var when = snowflakeTime(id);
    if (when === null) {
      return el("time", {}, [label || ""]);
    }
    var shown = when.toLocaleString("en-US", {
      timeZone: "UTC",
      hour: "numeric",
      minute: "2-digit",
      month: "short",
      day: "numeric",
      year: "numeric",
    });
    return el("time", { datetime: when.toISOString() }, [shown + " UTC"]);
  }

  function frame(content, source) {
    var style = el("style", {}, [
      "body{margin:0;background:#fff;color:#0f1419;font:15px/1.4 system-ui,sans-serif}" +
        "#react-root{display:block!important}main{max-width:600px;margin:0 auto;" +
        "border-left:1px solid #eff3f4;border-right:1px solid #eff3f4;min-height:100vh}" +
        "h2{font-size:20px;margin:0;padding:12px 16px}article{padding:12px 16px;" +
        "border-bottom:1px solid #eff3f4}.avatar{width:40px;height:40px;border-radius:50%;" +
        "background:#1d9bf0;float:left;margin-right:12px}.name{font-weight:700}" +
        ".handle,time{color:#536471}[data-testid=tweetText]{font-size:17px;margin:12px 0;" +
        "white-space:pre-wrap;clear:both}img{max-width:100%;border-radius:16px}" +
        "footer{color:#536471;font-size:12px;padding:12px 16px}a{color:#1d9bf0}",
    ]);
    var note = el("footer", { "data-world": "x-client-standin" }, [
      "Offline test world: drawn by the world's stand-in for X's web client from " +
        source +
        " (X's own scripts are not available offline).",
    ]);
    root.replaceChildren(
      style,
      el("main", { role: "main" }, [
        el("div", { "data-testid": "primaryColumn" }, [el("h2", {}, ["Post"]), content, note]),
      ]),
    );
  }

  function post(name, handle, textNodes, mediaUrl, dateLabel, source) {
    var body = [
      el("div", { class: "avatar", "aria-hidden": "true" }),
      el("div", { "data-testid": "User-Name" }, [
        el("span", { class: "name" }, [name]),
        " ",
        el("span", { class: "handle" }, ["@" + handle]),
      ]),
      el("div", { "data-testid": "tweetText", lang: "und" }, textNodes),
    ];
    if (mediaUrl) {
      body.push(el("div", { "data-testid": "tweetPhoto" }, [el("img", { src: mediaUrl, alt: "Image" })]));
    }
    body.push(el("div", {}, [timeNode(dateLabel)]));
    document.title = name + " on X: \u201c" + textOf(textNodes) + "\u201d / X";
    frame(el("article", { "data-testid": "tweet", role: "article" }, body), source);
  }

  function textOf(nodes) {
    return nodes
      .map(function (node) {
        return typeof node === "string" ? node : node.textContent;
      })
      .join("");
  }

  function unavailable() {
    document.title = "Page not found / X";
    frame(
      el("div", { "data-testid": "error-detail" }, [
        el("span", {}, ["Hmm...this page doesn\u2019t exist. Try searching for something else."]),
        " ",
        el("a", { href: "/explore", role: "link" }, [el("span", {}, ["Search"])]),
      ]),
      "no recorded answer for post " + id,
    );
  }

  function fromMetadata() {
    var url = meta("og:url") || "";
    var title = /^(.*) \(@(\w{1,15})\) on (X|Twitter)$/.exec(meta("og:title") || "");
    if (url.indexOf("/status/" + id) < 0 || !title) {
      return false;
    }
    var image = meta("og:image");
    var media = image && image.indexOf("/profile_images/") < 0 ? image : null;
    post(title[1], title[2], [meta("og:description") || ""], media, "", "the page's recorded metadata");
    return true;
  }

  function fromOembed(answer) {
    var doc = new DOMParser().parseFromString(answer.html || "", "text/html");
    var paragraph = doc.querySelector("blockquote p");
    var links = doc.querySelectorAll("blockquote > a");
    var handle = /\/([A-Za-z0-9_]{1,15})\/?$/.exec(answer.author_url || "");
    if (!paragraph || !handle) {
      unavailable();
      return;
    }
    var text = Array.prototype.map.call(paragraph.childNodes, function (node) {
      if (node.nodeName === "A") {
        return el("a", { href: node.getAttribute("href") }, [node.textContent]);
      }
      return node.textContent;
    });
    var date = links.length ? links[links.length - 1].textContent : "";
    post(answer.author_name || handle[1], handle[1], text, null, date, "the post's recorded oEmbed answer");
  }

  if (fromMetadata()) {
    return;
  }
  var callback = "__worldXClientOembed";
  window[callback] = fromOembed;
  var script = document.createElement("script");
  script.src =
    "https://publish.twitter.com/oembed?url=" +
    encodeURIComponent("https://twitter.com/i/status/" + id) +
    "&omit_script=true&callback=" +
    callback;
  script.onerror = unavailable;
  document.head.appendChild(script);
})();
