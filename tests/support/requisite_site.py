"""A small site whose pages need requisites: a stylesheet that @imports another, a web font, a
logo, srcset images, an icon — served by a :class:`MockServer` and changed between runs."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from tests.support.mockserver import MockServer

# A font file chromium renders: Debian's chromium needs fontconfig, whose config package brings
# fonts-dejavu-core (any other TrueType font installed will do as well).
FONT_FILE = next(iter([Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")]
                      if Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf").exists()
                      else sorted(Path("/usr/share/fonts").rglob("*.ttf"))), None)
COLOURS = {1: "rgb(200, 0, 0)", 2: "rgb(0, 0, 200)"}


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid RGB PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def page_html(version: int, text: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><title>Requisite page</title>
<link rel="stylesheet" href="/css/site.css">
<link rel="icon" href="/img/favicon.png">
<style>.hero {{ background-image: url('/img/hero.png'); min-height: 10px }}</style>
<script src="/js/app.js"></script>
</head><body>
<h1 id="title">Education profile {version}</h1>
<p class="fancy">Rendered with a web font.</p>
<img id="logo" src="/img/logo.png" alt="logo">
<picture><source srcset="/img/wide.png 2x, /img/logo.png 1x" media="(min-width: 1px)">
<img id="pic" src="/img/logo.png" srcset="/img/small.png 1x, /img/wide.png 2x" alt="pic"></picture>
<div class="hero" style="border-image: url(/img/border.png) 30 round">hero</div>
<main><p>Country profile main text that is long enough to be extracted as the main content of this
page. {text} The ministry of education publishes its plans, and the profile summarises them for
readers in every country with numbers and sentences.</p></main>
</body></html>"""


def serve_site(server: MockServer, version: int, text: str = "") -> str:
    """Serve version ``version`` of the site; returns the page URL."""
    server.page("/css/site.css",   # one URL, its content changed
                f'@import url("base.css");\nh1 {{ color: {COLOURS[version]} }}\n'
                f'.fancy {{ font-family: "Archived Sans", monospace }}\n',
                content_type="text/css")
    server.page("/css/base.css",
                '@font-face { font-family: "Archived Sans"; src: url("../fonts/archived.ttf") '
                'format("truetype") }\nbody { background: url(/img/bg.png) repeat }\n',
                content_type="text/css")
    assert FONT_FILE is not None, "no TrueType font in /usr/share/fonts (apt-get install fonts-dejavu-core)"
    server.page("/fonts/archived.ttf", FONT_FILE.read_bytes(), content_type="font/ttf")
    for name, colour in (("logo", (10, 120, 10)), ("favicon", (1, 2, 3)), ("hero", (9, 9, 9)),
                         ("small", (5, 5, 5)), ("wide", (6, 6, 6)), ("bg", (250, 250, 250)),
                         ("border", (7, 7, 7))):
        server.page(f"/img/{name}.png", png(4, 3, colour), content_type="image/png")
    server.page("/js/app.js", "document.title = 'scripted'", content_type="text/javascript")
    return server.page("/profile", page_html(version, text))
