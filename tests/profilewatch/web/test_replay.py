"""Replayed HTML: every requisite reference points at the archive or is gone (issue 14)."""

from __future__ import annotations

import re

from profilewatch.web.replay import rewrite_html

PAGE = """<!DOCTYPE html><html><head><base href="https://site.example/sub/">
<link rel="stylesheet" href="a.css" integrity="sha384-x" onload="alert(1)">
<link rel="alternate stylesheet" href="alt.css"><link rel="preload" as="script" href="x.js">
<link rel="icon" href="/favicon.ico"><link rel="stylesheet" href="https://evil.example/e.css">
<style>@import "b.css"; body { background: url(bg.png) }
i { background: url(https://evil.example/x.png) }</style>
</head><body style="background-image: url('body.png')" background="old.png">
<img src="logo.png" srcset="s.png 1x, https://evil.example/big.png 2x, m.png 3x">
<picture><source srcset="https://evil.example/p.webp"><img src="data:image/png;base64,AAAA"></picture>
<video poster="poster.png" src="movie.mp4"></video><input type="image" src="go.png">
<svg><image href="https://evil.example/svg.png"></image></svg>
<iframe src="https://evil.example/frame"></iframe><script src="app.js"></script>
</body></html>"""


def test_references_rewritten_to_the_archive_or_removed() -> None:
    def resolve(url: str, kind: str) -> str | None:
        return None if "evil" in url else f"/requisite/7/{url}"

    html = rewrite_html(PAGE.encode(), "text/html", base="https://site.example/page",
                        prefix="/web/1/", resolve=resolve).decode()
    assert "evil" not in html and "alert" not in html and "integrity" not in html
    assert "<script" not in html and "<iframe" not in html and "alt.css" not in html
    for path in ("sub/a.css", "favicon.ico", "sub/b.css", "sub/bg.png", "sub/body.png",
                 "sub/old.png", "sub/logo.png", "sub/s.png", "sub/m.png", "sub/poster.png",
                 "sub/go.png"):
        assert f"/requisite/7/https://site.example/{path}" in html, path
    assert 'srcset="/requisite/7/https://site.example/sub/s.png 1x, ' \
           '/requisite/7/https://site.example/sub/m.png 3x"' in html
    assert "data:image/png;base64,AAAA" in html and "movie.mp4" not in html
    # every URL left in the page is the archive's (or a data: image)
    urls = re.findall(r'(?:src|href|srcset|poster|background)="([^"]*)"', html)
    assert urls and all(u.startswith(("/requisite/", "data:image/")) for u in urls), urls


def test_without_requisites_nothing_is_left_to_load() -> None:
    html = rewrite_html(PAGE.encode(), "text/html", base="https://site.example/page",
                        prefix="/web/1/").decode()
    assert "https://" not in html.replace('href="/web/1/', "")
    assert "<link" not in html and "url(" not in html.replace("url(data:", "")
