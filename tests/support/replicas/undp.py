"""Replica of the UNDP Azerbaijan press releases and the UN Country Team site.

- undp.org form: ``/azerbaijan/press-releases`` in three pages (``?page=0..2``), items
  ``/azerbaijan/press-releases/<slug>`` with a ``September 24, 2021`` date line (one with a weekday
  that contradicts the date);
- UN country team form: ``/en/press-centre/press-releases`` in two pages, items ``/en/<nid>-<slug>``
  (the sample press release of 20 May 2021 among them);
- ``/sitemap.xml`` lists one press release no listing shows, and pages outside the listings.
"""

from __future__ import annotations

from tests.support.mockserver import MockServer
from tests.support.replicas import page, paragraphs, sample

REAL_UN = "https://azerbaijan.un.org"
UNDP_LISTING = "/azerbaijan/press-releases"
UN_LISTING = "/en/press-centre/press-releases"
UN_SEED = ("/en/127239-eu-funded-inclusive-vocational-arts-and-crafts-training-centre-successfully-"
           "relocated-bakus")
UNDP_ITEMS = [f"{UNDP_LISTING}/release-{n}" for n in range(1, 7)]
UN_ITEMS = [UN_SEED, "/en/186090-agency-state-support-ngos", "/en/205438-speech-un-day"]
FROM_SITEMAP = f"{UNDP_LISTING}/from-sitemap"
MISMATCH = UNDP_ITEMS[2]          # "Thursday, September 24, 2021": 24 September 2021 was a Friday
UNDP_DATES = ("September 24, 2021", "August 2, 2021", "Thursday, September 24, 2021",
              "March 8, 2022", "June 1, 2022", "October 10, 2022")


def undp_release(title: str, date: str) -> str:
    body = (f'<article><div class="content-type">Press release</div><h1>{title}</h1>'
            f'<div class="date">{date}</div>{paragraphs(title)}</article>'
            '<aside class="related"><a href="/azerbaijan/press-releases/older">Older</a></aside>')
    return page(f"{title} | United Nations Development Programme", body)


def un_release(title: str, date: str) -> str:
    body = (f'<article><div class="content-type-label">Press Release</div><h1>{title}</h1>'
            f'<div class="meta"><time>{date}</time></div>{paragraphs(title)}</article>')
    return page(f"{title} | United Nations in Azerbaijan", body)


def listing(title: str, path: str, items: list[str], number: int, pages: int, suffix: str) -> str:
    rows = "\n".join(f'<div class="card"><a href="{href}"><h3>{href}</h3></a></div>' for href in items)
    pager = "".join(f'<a href="{path}?page={n}">{n + 1}</a>' for n in range(pages) if n != number)
    return page(f"{title} | {suffix}", f"<h1>{title}</h1><p>{title}, page {number + 1} of "
                f'{pages}.</p><div class="results">{rows}</div>'
                f'<nav class="pager" role="navigation">{pager}</nav>')


def sitemap(base: str, paths: list[str]) -> str:
    entries = "".join(f"<url><loc>{base}{p}</loc><lastmod>2024-01-01</lastmod></url>" for p in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>')


def serve_undp(server: MockServer) -> set[str]:
    """Program the replica; returns the paths of every page a crawl of both listings finds."""
    base = server.url
    for number in range(3):
        items = UNDP_ITEMS[number * 2:number * 2 + 2]
        path = UNDP_LISTING if number == 0 else f"{UNDP_LISTING}?page={number}"
        server.page(path, listing("Press releases", UNDP_LISTING, items, number, 3,
                                  "United Nations Development Programme"))
    for n, (path, date) in enumerate(zip(UNDP_ITEMS, UNDP_DATES, strict=True), 1):
        server.page(path, undp_release(f"UNDP release {n}", date))
    server.page(FROM_SITEMAP, undp_release("UNDP release from the sitemap", "May 5, 2023"))
    for number in range(2):
        items = UN_ITEMS[:2] if number == 0 else UN_ITEMS[2:]
        path = UN_LISTING if number == 0 else f"{UN_LISTING}?page={number}"
        server.page(path, listing("Press Releases", UN_LISTING, items, number, 2,
                                  "United Nations in Azerbaijan"))
    server.page(UN_SEED, sample("undp-press-release", base, REAL_UN))
    server.page(UN_ITEMS[1], un_release("Agency of State Support to NGOs and UN sign a declaration",
                                        "14 June 2022"))
    server.page(UN_ITEMS[2], un_release("Speech by the Resident Coordinator", "24 October 2022"))
    server.page("/sitemap.xml", sitemap(base, [FROM_SITEMAP, UNDP_ITEMS[0], "/azerbaijan/about-us",
                                               "/azerbaijan/press-releases"]),
                content_type="application/xml")
    return {UNDP_LISTING, UN_LISTING, *UNDP_ITEMS, *UN_ITEMS, FROM_SITEMAP}
