"""Replica of education-profiles.org: home country list → theme tabs → language versions.

Azerbaijan has five theme tabs (one disallowed by robots.txt), French and Spanish versions of its
technology chapter (the Spanish one is the site's 200 "not available in this language" page);
Kazakhstan has three themes and a Russian version of its inclusion chapter; Kyrgyzstan is served
but not on the home page (reached through the hard-coded region); Armenia is on the home page but
not configured.
"""

from __future__ import annotations

import re

from tests.support.mockserver import MockServer
from tests.support.replicas import page, sample

REAL = "https://education-profiles.org"
AZ = "/northern-africa-and-western-asia/azerbaijan"
KZ = "/central-and-southern-asia/kazakhstan"
KG = "/central-and-southern-asia/kyrgyzstan"
AM = "/northern-africa-and-western-asia/armenia"
AZ_THEMES = ("inclusion", "finance", "technology", "climate-change-communication-and-education",
             "non-state-actors")
KZ_THEMES = ("inclusion", "technology", "leadership")
DISALLOWED = f"{AZ}/~non-state-actors"
AZ_TECH_FR = "/fr/afrique-du-nord-et-asie-occidentale/azerbaidjan/~technologie"
AZ_TECH_ES = "/es/africa-septentrional-y-asia-occidental/azerbaiyan/~tecnologia"
KZ_INCL_RU = "/ru/centralnaya-i-yuzhnaya-aziya/kazakhstan/~inklyuziya"
ROBOTS = f"User-agent: *\nDisallow: /print/\nDisallow: {DISALLOWED}\nCrawl-delay: {{delay}}\n"

_ALTERNATE_RE = re.compile(r'\s*<link rel="alternate" hreflang="[^"]+" href="[^"]*" />')
_SWITCHER_RE = re.compile(r'(<ul class="links">).*?(</ul>)', re.S)
_TABS_RE = re.compile(r'(<ul class="country-theme-tabs">).*?(</ul>)', re.S)
_MODIFIED_RE = re.compile(r'<time datetime="[^"]*">[^<]*</time>')


def profile(base: str, path: str, name: str, theme: str, themes: tuple[str, ...],
            variants: dict[str, str], *, lang: str = "en", modified: str = "Mon, 05/08/2024 - 17:13",
            stamp: str = "2024-08-05T15:13:00Z") -> str:
    """The PEER template (the Azerbaijan technology sample) for another country, theme, language."""
    html = sample("unesco-profile", base, REAL)
    country_path = path.rsplit("/~", 1)[0]
    html = html.replace("/northern-africa-and-western-asia/azerbaijan/~technology", path)
    html = html.replace('lang="en"', f'lang="{lang}"', 1)
    label = theme.replace("-", " ").capitalize()
    html = html.replace("Azerbaijan | Technology | Education Profiles",
                        f"{name} | {label} | Education Profiles")
    html = html.replace(">Azerbaijan</span></h1>", f">{name}</span></h1>")
    alternates = "".join(f'\n    <link rel="alternate" hreflang="{code}" href="{base}{href}" />'
                         for code, href in variants.items())
    html = _ALTERNATE_RE.sub("", html).replace("</title>", "</title>" + alternates, 1)
    switcher = "".join(f'<li hreflang="{code}"><a href="{href}" hreflang="{code}">{code}</a></li>'
                       for code, href in variants.items())
    html = _SWITCHER_RE.sub(lambda m: m.group(1) + switcher + m.group(2), html, count=1)
    tabs = "".join(f'<li><a href="{country_path}/~{t}">{t}</a></li>' for t in themes)
    html = _TABS_RE.sub(lambda m: m.group(1) + tabs + m.group(2), html, count=1)
    html = _MODIFIED_RE.sub(f'<time datetime="{stamp}">{modified}</time>', html, count=1)
    return html.replace("<h2>1. Terminology</h2>",
                        f"<h2>1. Terminology</h2>\n<p>Profile of {name}, chapter {theme}, "
                        f"language {lang}.</p>", 1)


def not_available(theme: str) -> str:
    return page("Azerbaiyán | Education Profiles",
                f'<h1>Azerbaiyán</h1><div id="block-mainpagecontent"><p>The {theme.capitalize()} '
                "chapter is not available in this language .</p></div>", lang="es")


def home() -> str:
    countries = [(AM, "Armenia"), (AZ, "Azerbaijan"), (KZ, "Kazakhstan")]
    cards = "\n".join(f'<div class="country-template"><h3>{name}</h3><span><a href="{path}/~inclusion">'
                      f"{name}</a></span></div>" for path, name in countries)
    return page("Education Profiles", "<h1>Profiles Enhancing Education Reviews</h1>"
                "<p>PEER describes the laws and policies of every country on key themes of the "
                "Sustainable Development Goal on education.</p>\n" + cards)


def serve_unesco(server: MockServer, crawl_delay: float) -> set[str]:
    """Program the replica; returns the paths of every page a crawl of AZ, KZ and KG finds."""
    base = server.url
    server.robots = ROBOTS.format(delay=crawl_delay)
    server.page("/", home())
    tech_variants = {"en": f"{AZ}/~technology", "fr": AZ_TECH_FR, "es": AZ_TECH_ES}
    for theme in AZ_THEMES:
        path = f"{AZ}/~{theme}"
        variants = tech_variants if theme == "technology" else {"en": path}
        server.page(path, profile(base, path, "Azerbaijan", theme, AZ_THEMES, variants))
    server.page(AZ_TECH_FR, profile(base, AZ_TECH_FR, "Azerbaïdjan", "technologie", (),
                                    tech_variants, lang="fr"))
    server.page(AZ_TECH_ES, not_available("tecnología"))
    incl_variants = {"en": f"{KZ}/~inclusion", "ru": KZ_INCL_RU}
    for theme in KZ_THEMES:
        path = f"{KZ}/~{theme}"
        variants = incl_variants if theme == "inclusion" else {"en": path}
        server.page(path, profile(base, path, "Kazakhstan", theme, KZ_THEMES, variants,
                                  modified="Fri, 23/07/2021 - 00:01", stamp="2021-07-22T22:01:00Z"))
    server.page(KZ_INCL_RU, profile(base, KZ_INCL_RU, "Казахстан", "inklyuziya", (),
                                    incl_variants, lang="ru"))
    server.page(f"{KG}/~inclusion", profile(base, f"{KG}/~inclusion", "Kyrgyzstan", "inclusion",
                                            ("inclusion",), {"en": f"{KG}/~inclusion"}))
    server.page(f"{AM}/~inclusion", profile(base, f"{AM}/~inclusion", "Armenia", "inclusion",
                                            ("inclusion",), {"en": f"{AM}/~inclusion"}))
    return ({"/"} | {f"{AZ}/~{t}" for t in AZ_THEMES if f"{AZ}/~{t}" != DISALLOWED}
            | {AZ_TECH_FR, AZ_TECH_ES} | {f"{KZ}/~{t}" for t in KZ_THEMES} | {KZ_INCL_RU}
            | {f"{KG}/~inclusion"})
