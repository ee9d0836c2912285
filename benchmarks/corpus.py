"""A deterministic corpus of realistic profile pages for the benchmarks.

Each page is 80-150 KB like the real UNESCO/UNICEF/UN pages: a big mega-menu, scripts with
cache-busting tokens, a cookie banner, related links with view counts, and a 5-20 paragraph
article under numbered section headings, ending with a Drupal ``Last modified:`` field. Page ``n``
at revision ``r`` with boilerplate seed ``s`` is always the same bytes.
"""

from __future__ import annotations

import random

WORDS = (
    "education", "inclusive", "policy", "ministry", "schools", "teachers", "learners",
    "technology", "digital", "access", "curriculum", "disability", "support", "programme",
    "national", "strategy", "law", "framework", "quality", "training", "assessment",
    "infrastructure", "connectivity", "devices", "platform", "resources", "funding", "budget",
    "regional", "government", "agency", "coordination", "monitoring", "evaluation", "children",
    "youth", "parents", "community", "services", "reform", "standards", "implementation",
    "development", "capacity", "equity", "participation", "rights",
)
COUNTRIES = ("azerbaijan", "kazakhstan", "georgia", "armenia", "uzbekistan", "kyrgyzstan",
             "tajikistan", "turkmenistan", "mongolia", "moldova")
THEMES = ("inclusion", "technology", "finance", "leadership", "non-state-actors")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 28))]
    return " ".join(words).capitalize() + "."


def _token(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def article(n: int, revision: int) -> list[tuple[str, list[str]]]:
    """Sections of page ``n``: (heading, paragraphs); revision r edits one paragraph."""
    rng = random.Random(f"article-{n}")
    sections = []
    count = rng.randint(5, 20)
    for i in range(count):
        heading = f"{i // 3 + 1}.{i % 3 + 1}. {' '.join(rng.choice(WORDS) for _ in range(4)).capitalize()}"
        paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
                      for _ in range(rng.randint(1, 3))]
        sections.append((heading, paragraphs))
    if revision:
        edit = random.Random(f"edit-{n}-{revision}")
        heading, paragraphs = sections[edit.randrange(len(sections))]
        paragraphs[0] += f" Revised in edition {revision}: " + _sentence(edit)
    return sections


def page(n: int, revision: int = 0, churn: int = 0) -> bytes:
    """Page ``n`` at text revision ``revision``, with boilerplate variant ``churn``."""
    rng = random.Random(f"page-{n}")
    b = random.Random(f"churn-{n}-{churn}")
    country = COUNTRIES[n % len(COUNTRIES)]
    theme = THEMES[(n // len(COUNTRIES)) % len(THEMES)]
    title = f"{country.title()} | {theme.replace('-', ' ').title()} | Education Profiles"
    menu_items = "".join(
        f'<li class="menu-item"><a href="/{s}/{i}">{" ".join(rng.choice(WORDS) for _ in range(3))}</a>'
        f"</li>" for s in range(24) for i in range(rng.randint(14, 20)))
    related = [f'<li><a href="/{rng.choice(COUNTRIES)}/~{rng.choice(THEMES)}">{_sentence(rng)[:60]}</a>'
               f' <span class="views">{b.randint(10, 99999)} views</span></li>' for _ in range(8)]
    b.shuffle(related)
    body = "".join(
        f"<h2>{heading}</h2>" + "".join(f"<p>{p}</p>" for p in paragraphs)
        for heading, paragraphs in article(n, revision))
    settings_json = ('{"ajaxPageState":{"libraries":"' + _token(b, 2000) + '"},"token":"'
                     + _token(b, 40) + '"}')
    target = rng.randint(82_000, 148_000)     # the page's size, reached with template comments
    html = f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8" />
<title>{title}</title>
<meta property="og:site_name" content="Education Profiles" />
<link rel="stylesheet" href="/css/style.css?{_token(b, 8)}" />
<script src="/js/app.js?v={_token(b, 10)}"></script>
<script>window.dataLayer=[];gtag("config","G-{_token(b, 10)}",{{"cache":"{_token(b, 24)}"}});</script>
</head>
<body class="path-node">
<div class="banner">This platform has moved. Session {_token(b, 12)}.</div>
<header role="banner"><nav role="navigation" class="mega-menu"><ul>{menu_items}</ul></nav>
<form class="search"><input type="hidden" name="form_build_id" value="form-{_token(b, 32)}" /></form>
</header>
<main role="main">
<h1 class="page-title">{country.title()}</h1>
<div id="block-mainpagecontent"><article>
{body}
<div class="field field--name-changed"><div class="field__label">Last modified:</div>
<div class="field__item"><time datetime="2024-08-05T15:13:00Z">Mon, 05/08/2024 - 17:13</time></div></div>
</article></div>
<aside role="complementary"><h2>Related profiles</h2><ul>{"".join(related)}</ul></aside>
</main>
<footer role="contentinfo"><p>&copy; {2020 + b.randint(0, 6)} UNESCO.
Visitors: {b.randint(1000, 999999)}</p></footer>
<div id="cookie-banner" class="eu-cookie-compliance-banner">We use cookies ({_token(b, 6)}).
<button>OK</button></div>
<script type="application/json" data-drupal-selector="drupal-settings-json">{settings_json}</script>
</body>
</html>
"""
    data = html.encode("utf-8")
    padding = []
    size = len(data)
    while size < target:     # a Drupal "views" listing: repetitive markup, varied link texts
        block = (f'<div class="views-row"><span class="field-content"><a href="/{rng.choice(COUNTRIES)}'
                 f'/~{rng.choice(THEMES)}" hreflang="en">{" ".join(rng.choice(WORDS) for _ in range(5))}'
                 f"</a></span></div>\n")
        padding.append(block)
        size += len(block)
    return data.replace(b"</body>", "".join(padding).encode() + b"</body>", 1)
