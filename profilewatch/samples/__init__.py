"""Bundled sample pages (synthetic copies of the real UNESCO, UNICEF, UN and NGO templates) and the
edits that make them change like real pages do.

Used by ``profilewatch demo``, the test mock server and the benchmarks. Every mutation is a pure,
deterministic ``str -> str`` function: the same seed gives the same page.
"""

from __future__ import annotations

import random
import re
from importlib import resources

SAMPLES = ("unesco-profile", "unicef-page", "undp-press-release", "ngo-news")

_ASSET_QUERY_RE = re.compile(r"(\.(?:css|js|svg|png|jpg)\?)([^\"'&\s]*)")
_FORM_TOKEN_RE = re.compile(r'(name="form_build_id" value=")[^"]*(")')
_COUNTER_RE = re.compile(r"(Visitors: )\d+")
_COPYRIGHT_RE = re.compile(r"(&copy;\s*(?:\d{4}-)?)(\d{4})")
_RELATED_UL_RE = re.compile(r"(<(?:section|div|aside)[^>]*(?:related|sidebar|right|latest)[^>]*>.*?<ul[^>]*>)"
                            r"(.*?)(</ul>)", re.S | re.I)
_LI_RE = re.compile(r"<li\b.*?</li>", re.S)
_NAV_UL_RE = re.compile(r"(<nav\b[^>]*>.*?<ul[^>]*>)", re.S | re.I)
_COOKIE_RE = re.compile(r"(cookie[^>]*>(?:<[^>]+>)*)([^<]{10,})", re.I)
_MAIN_P_RE = re.compile(r"<p>([^<]{80,}?)</p>")
_LAST_MODIFIED_TIME_RE = re.compile(
    r'(Last modified:</div>\s*<div class="field__item"><time datetime=")[^"]*(">)[^<]*(</time>)')
_TITLE_RE = re.compile(r"(<title>)(.*?)(</title>)", re.S)
_OG_TITLE_RE = re.compile(r'(<meta property="og:title" content=")[^"]*(")')
_META_CHARSET_RE = re.compile(r'<meta charset="[^"]*"\s*/?>', re.I)
WORDS = ("alpha", "delta", "kilo", "lima", "oscar", "papa", "sierra", "tango", "victor", "zulu")


def load_sample(name: str) -> str:
    """The HTML of a bundled sample page (``unesco-profile`` …)."""
    if name not in SAMPLES:
        raise KeyError(f"no sample page {name!r} (samples: {', '.join(SAMPLES)})")
    return resources.files(__name__).joinpath(f"{name}.html").read_text(encoding="utf-8")


def churn(html: str, seed: int) -> str:
    """Boilerplate churn a real site produces between two fetches: cache-busting tokens, form
    tokens, counters, a reshuffled and extended related list, a new menu item, a changed cookie
    banner, a new copyright year, HTML comments and re-indented markup. The main text is untouched."""
    rng = random.Random(seed)

    def token(n: int = 10) -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))

    html = _ASSET_QUERY_RE.sub(lambda m: m.group(1) + token(8), html)
    html = _FORM_TOKEN_RE.sub(lambda m: m.group(1) + "form-" + token(32) + m.group(2), html)
    html = _COUNTER_RE.sub(lambda m: m.group(1) + str(rng.randint(100_000, 999_999)), html)
    html = _COPYRIGHT_RE.sub(lambda m: m.group(1) + str(2020 + rng.randint(0, 9)), html)

    def reshuffle(match: re.Match[str]) -> str:
        items = _LI_RE.findall(match.group(2))
        rng.shuffle(items)
        extra = (f'<li><a href="/news/{token(6)}">{rng.choice(WORDS).title()} {token(4)} news</a> '
                 f'<span class="views">{rng.randint(10, 99_999)} views</span></li>')
        items.insert(rng.randint(0, len(items)), extra)
        return match.group(1) + "\n".join(items) + match.group(3)

    html = _RELATED_UL_RE.sub(reshuffle, html)
    html = _NAV_UL_RE.sub(lambda m: m.group(1) + f'<li><a href="/{token(5)}">'
                          f"{rng.choice(WORDS).title()}</a></li>", html, count=1)
    html = _COOKIE_RE.sub(lambda m: m.group(1) + f"We use cookies ({token(4)}) to improve your "
                          "experience.", html, count=1)
    html = html.replace("</head>", f"<!-- generated {token(12)} -->\n<script>var cacheKey="
                        f'"{token(16)}";</script>\n</head>', 1)
    indent = " " * rng.randint(0, 4)
    return re.sub(r"\n[ \t]*<", lambda _: "\n" + indent + "<", html)


def edit_text(html: str, revision: int, paragraph: int = 2) -> str:
    """A real content edit: one sentence appended to the ``paragraph``-th long paragraph."""
    count = 0

    def edit(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        if count != paragraph:
            return match.group(0)
        return f"<p>{match.group(1)} This sentence was added in revision {revision}.</p>"

    edited = _MAIN_P_RE.sub(edit, html)
    if edited == html:
        raise ValueError("no paragraph long enough to edit")
    return edited


def bump_last_modified(html: str, iso_utc: str, literal: str) -> str:
    """Change the page's declared "Last modified" (PEER field) or ``article:modified_time`` meta."""
    if _LAST_MODIFIED_TIME_RE.search(html):
        return _LAST_MODIFIED_TIME_RE.sub(lambda m: f"{m.group(1)}{iso_utc}{m.group(2)}{literal}"
                                          f"{m.group(3)}", html)
    meta = f'<meta property="article:modified_time" content="{iso_utc}" />'
    html = re.sub(r'<meta property="article:modified_time"[^>]*>\n?', "", html)
    return html.replace("</head>", meta + "\n</head>", 1)


def set_title(html: str, title: str) -> str:
    html = _TITLE_RE.sub(lambda m: m.group(1) + title + m.group(3), html, count=1)
    return _OG_TITLE_RE.sub(lambda m: m.group(1) + title + m.group(2), html)


def encode_as(html: str, encoding: str, *, declare: bool = True) -> bytes:
    """The page in another charset, with ``<meta charset>`` saying so (or saying nothing)."""
    replacement = f'<meta charset="{encoding}" />' if declare else ""
    return _META_CHARSET_RE.sub(replacement, html, count=1).encode(encoding, errors="xmlcharrefreplace")
