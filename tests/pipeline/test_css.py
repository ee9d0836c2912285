"""CSS read with a tokenizer: references found and rewritten, hostile stylesheets included."""

from __future__ import annotations

import time

from pipeline.css import FONT, IMAGE, STYLESHEET, css_references, rewrite_css

BASE = "https://site.example/theme/css/main.css"


def archive(url: str, kind: str) -> str | None:
    return None if "evil" in url else f"/a/{url}"


def test_finds_imports_fonts_images_and_image_set_once_each() -> None:
    css = ('@import "reset.css"; @import url(print.css) print;\n'
           '@font-face { font-family: X; src: url(../fonts/x.woff2) format("woff2"), '
           'url("../fonts/x.woff") }\n'
           'h1 { background: url(/img/bg.png), image-set("a.png" 1x, url(b.png) 2x) }\n'
           'p { background: url(/img/bg.png) } a { cursor: url(#local) }')
    assert css_references(css, BASE) == [
        ("https://site.example/theme/css/reset.css", STYLESHEET),
        ("https://site.example/theme/css/print.css", STYLESHEET),
        ("https://site.example/theme/fonts/x.woff2", FONT),
        ("https://site.example/theme/fonts/x.woff", FONT),
        ("https://site.example/img/bg.png", IMAGE),
        ("https://site.example/theme/css/a.png", IMAGE),
        ("https://site.example/theme/css/b.png", IMAGE),
    ]


def test_every_reference_is_rewritten_or_removed_never_left() -> None:
    css = ('@import "https://evil.example/x.css"; @import url(ok.css);\n'
           'a { background: url(\\68ttps://evil.example/escaped.png) }\n'          # escaped scheme
           'b { x: url(javascript:alert(1)); y: url("javascript:alert(1)"); z: expression(alert(1)) }\n'
           'c { behavior: url(/x.htc); -moz-binding: url(/x.xml#b) }\n'
           'd { background: url(data:image/png;base64,AAAA); mask: url(#m) }\n'
           'e { background: url(data:text/html,<script>alert(1)</script>) }')
    out = rewrite_css(css, BASE, archive)
    assert "evil" not in out and "javascript" not in out and "expression" not in out
    assert "text/html" not in out
    assert '/a/https://site.example/theme/css/ok.css' in out
    assert "/a/https://site.example/x.htc" in out          # a URL is a URL: archived or removed
    assert "data:image/png;base64,AAAA" in out and "url(#m)" in out
    assert rewrite_css(out, BASE, lambda u, k: None).count("/a/") == 0


def test_deep_nesting_and_huge_input_stay_bounded() -> None:
    deep = "a { b: " + "(" * 50_000 + "url(/x.png)" + ")" * 50_000 + " }"
    started = time.monotonic()
    out = rewrite_css(deep, BASE, archive)
    assert "/x.png" not in out.replace("/a/", "")
    many = "a { background: " + ", ".join(f"url(/i{i}.png)" for i in range(20_000)) + " }"
    assert len(css_references(many, BASE)) == 1000
    rewritten = rewrite_css(many, BASE, archive)
    assert rewritten.count("/a/") == 1000 and "url(/i1000.png)" not in rewritten
    assert time.monotonic() - started < 20
