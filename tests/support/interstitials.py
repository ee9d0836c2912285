"""Pages the mock server serves for the not-the-page tests: articles, and the pages a retired or
moved article lands on (login, consent wall, language chooser, search, listing, home page), plus
``<meta http-equiv="refresh">`` pages. Written after the watched sites' own templates (header,
navigation, footer, cookie banner around the content), so the pipeline sees them as it sees the
real ones.
"""

from __future__ import annotations

import html as html_lib
import random

WORDS = ("education", "teachers", "schools", "inclusive", "children", "learning", "ministry",
         "programme", "districts", "training", "curriculum", "support", "families", "regions",
         "disabilities", "classrooms", "assessment", "funding", "partners", "reform", "budget",
         "textbooks", "pupils", "enrolment", "girls", "rural", "teacher", "colleges", "policy",
         "strategy", "report", "survey", "data", "equity", "access", "quality", "languages",
         "minorities", "refugees", "transport", "meals", "health", "nutrition", "buildings",
         "heating", "internet", "devices", "parents", "community", "volunteers", "libraries",
         "reading", "mathematics", "science", "vocational", "universities", "scholarships",
         "inspectors", "standards", "exams", "graduates", "employment", "youth", "sports",
         "arts", "museums", "grants", "donors", "loans", "audits", "councils", "mayors",
         "villages", "mountains", "floods", "winter", "summer", "holidays", "shifts")


def sentences(seed: str, count: int) -> list[str]:
    """``count`` distinct, deterministic sentences for the document ``seed`` (documents with
    different seeds share almost no three-word sequence)."""
    picker = random.Random(seed)
    out = []
    for i in range(count):
        words = picker.sample(WORDS, 12)
        out.append(f"In {2010 + picker.randrange(14)} {' '.join(words[:6])}, "
                   f"{' '.join(words[6:])} ({i + 1}).")
    return out


def chrome(title: str, main: str, *, lang: str = "en", head: str = "", banner: bool = True) -> str:
    """A site page around ``main``: header with menu and search, footer, cookie banner."""
    cookie = ('<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your '
              'experience.</p><button>Accept</button></div>') if banner else ""
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html_lib.escape(title)} | Children's Network</title>{head}</head><body>"
            '<header><a href="/">Children\'s Network</a><nav><ul><li><a href="/news">News</a></li>'
            '<li><a href="/about">About us</a></li><li><a href="/sect/a">Programmes</a></li></ul>'
            '</nav><form role="search" action="/search"><input type="search" name="q">'
            f'<button>Search</button></form></header>{main}'
            '<footer><p>© 2013-2024 Children\'s Network</p><a href="/privacy">Privacy</a></footer>'
            f"{cookie}</body></html>")


def article_html(title: str, seed: str, *, paragraphs: int = 6, edit: str | None = None,
                 head: str = "", lang: str = "en") -> str:
    """An article of ``paragraphs`` paragraphs (two sentences each); ``edit`` appends a sentence
    to the second paragraph (an edited version of the same document)."""
    lines = sentences(seed, paragraphs * 2)
    body = []
    for i in range(paragraphs):
        text = " ".join(lines[2 * i:2 * i + 2])
        if edit and i == 1:
            text += f" {edit}"
        body.append(f"<p>{html_lib.escape(text)}</p>")
    main = f"<main><article><h1>{html_lib.escape(title)}</h1>{''.join(body)}</article></main>"
    return chrome(title, main, head=head, lang=lang)


def login_html() -> str:
    main = ('<main><h1>Log in</h1><form method="post" action="/account/login">'
            '<label>Email <input type="email" name="email"></label>'
            '<label>Password <input type="password" name="password"></label>'
            '<button type="submit">Log in</button></form>'
            '<p><a href="/account/reset">Forgot your password?</a></p></main>')
    return chrome("Log in", main)


def consent_html() -> str:
    main = ('<main><div class="consent-wall"><h1>Before you continue</h1>'
            "<p>We use cookies and data to deliver and maintain our services and to measure "
            "audience engagement. If you choose to accept all, we will also use cookies for "
            "personalised content.</p><p>Select manage preferences to see more options.</p>"
            "<button>Accept all</button><button>Reject all</button>"
            "<button>Manage preferences</button></div></main>")
    return chrome("Before you continue", main, banner=False)


def chooser_html() -> str:
    links = "".join(f'<li><a href="/{code}/" hreflang="{code}">{name}</a></li>' for code, name in (
        ("en", "English"), ("ru", "Русский"), ("kk", "Қазақша"), ("az", "Azərbaycanca"),
        ("fr", "Français")))
    main = f"<main><h1>Choose your language</h1><ul class='languages'>{links}</ul></main>"
    return chrome("Choose your language", main)


def teasers(count: int, prefix: str) -> str:
    items = []
    for i in range(count):
        line = sentences(f"{prefix}{i}", 1)[0][:120]
        items.append(f'<div class="teaser"><h3><a href="/news/item-{prefix}-{i}">Story {i}: '
                     f'{html_lib.escape(line[:60])}</a></h3><p>{html_lib.escape(line)}</p>'
                     f'<span>{i + 1} May 2024</span></div>')
    return "".join(items)


def listing_html() -> str:
    main = f"<main><h1>News archive</h1>{teasers(12, 'archive')}<a href='?page=1'>Next</a></main>"
    return chrome("News archive", main)


def search_html(query: str) -> str:
    main = (f"<main><h1>Search results</h1><form action='/search'><input type='search' name='q' "
            f"value='{html_lib.escape(query)}'><button>Search</button></form>"
            f"<p>No results were found for {html_lib.escape(query)}.</p>{teasers(3, 'found')}</main>")
    return chrome("Search", main)


def home_html() -> str:
    main = ("<main><h1>Children's Network</h1><p>Protecting the rights of every child in the "
            f"region.</p><h2>Latest news</h2>{teasers(8, 'home')}</main>")
    return chrome("Home", main)


def meta_refresh_html(to: str, delay: int = 0) -> str:
    return (f'<!DOCTYPE html><html><head><meta http-equiv="refresh" content="{delay}; url={to}">'
            f'<title>Redirecting</title></head><body><p>This page has moved to '
            f'<a href="{to}">{to}</a>.</p></body></html>')
