"""The test world's content: static pages, images and the hostile cases, generated in code."""

import io

from PIL import Image, ImageDraw

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script></head>
<body><h1>{title}</h1>
<p class="lead">An offline page served by the test world for capture tests. {extra}</p>
<img src="/static/picture.png?v={n}" width="480" height="240" alt="coloured blocks">
<div id="fetched">waiting for fetch</div>
<ul>{items}</ul>
</body></html>
"""

STYLE = """body { font-family: sans-serif; margin: 24px; background: #fdf6e3; color: #073642; }
h1 { color: #b58900; border-bottom: 6px solid #268bd2; }
.lead { font-size: 20px; } li { margin: 4px 0; }
#fetched { background: #2aa198; color: white; padding: 12px; width: 300px; }
"""

SCRIPT = """fetch('/api/data.json').then(r => r.json()).then(d => {
  document.getElementById('fetched').textContent = d.message;
  console.log('fetched', d.message);
});
"""

TALL = """<!doctype html><html><head><title>Tall page</title></head>
<body style="margin:0"><div style="height:50000px;background:linear-gradient(#fff,#00f)">
<h1>Top of a 50,000 px page</h1></div></body></html>"""

LAZY = """<!doctype html><html><head><title>Lazy images</title></head><body>
<h1>Lazy images below</h1><div style="height:2500px">spacer</div>
<img id="lazy" loading="lazy" src="/static/lazy.png" width="200" height="100">
<div id="observed" style="height:50px">not yet</div>
<script>
new IntersectionObserver((entries, obs) => { if (entries[0].isIntersecting) {
  const img = new Image(); img.src = '/static/observed.png';
  document.getElementById('observed').textContent = 'seen'; obs.disconnect(); }
}).observe(document.getElementById('observed'));
</script></body></html>"""

DIALOGS = """<!doctype html><html><head><title>Dialogs</title></head><body><h1>Dialogs</h1>
<script>alert('hello from the page'); confirm('are you sure?'); prompt('name?');</script>
</body></html>"""

POPUP = """<!doctype html><html><head><title>Popup</title></head><body><h1>Popup opener</h1>
<script>window.open('/static/page.html?popup=1', '_blank');</script></body></html>"""

META_REFRESH = """<!doctype html><html><head><title>Moving</title>
<meta http-equiv="refresh" content="0; url=/static/page.html?via=meta"></head>
<body>moving…</body></html>"""

JS_REDIRECT = """<!doctype html><html><head><title>Moving by script</title></head><body>
<script>setTimeout(() => location.replace('/static/page.html?via=js'), 50);</script>
</body></html>"""

STREAMING = """<!doctype html><html><head><title>Streaming</title></head><body><h1>Streaming</h1>
<img src="/static/streamed.png" width="100" height="50">
<script>fetch('/never-ending').then(r => r.body.getReader().read());</script></body></html>"""

WEBSOCKET = """<!doctype html><html><head><title>Socket</title></head><body><h1>Socket</h1>
<script>try { new WebSocket('ws://' + location.host + '/ws'); } catch (e) {}</script>
</body></html>"""


def page(title: str, n: int = 0, extra: str = "") -> bytes:
    """A small HTML page with a stylesheet, a script that fetches JSON, and an image."""
    items = "".join(f"<li>item {i} of page {n}</li>" for i in range(12))
    return PAGE.format(title=title, n=n, extra=extra, items=items).encode()


def picture(seed: int = 0, size: tuple[int, int] = (480, 240)) -> bytes:
    """A PNG of coloured blocks, different for each seed."""
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    colours = [(220, 50, 47), (38, 139, 210), (133, 153, 0), (211, 54, 130), (181, 137, 0)]
    width = size[0] // 5
    for i in range(5):
        colour = colours[(i + seed) % len(colours)]
        draw.rectangle([i * width, 0, (i + 1) * width, size[1] // (1 + (i + seed) % 3)], colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
