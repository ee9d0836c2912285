"""Replica of a UNICEF country office site (www.unicef.org/azerbaijan).

The "Inclusive Education" topic page (the sample) with its Azerbaijani version; the stories listing
in four pages (``?page=0..3``, Drupal's pager with First/Next links, items linked with tracking
parameters, a fragment and a trailing slash in places); the press releases listing in one page.
Stories and press releases show a date line.
"""

from __future__ import annotations

from tests.support.mockserver import MockServer
from tests.support.replicas import page, paragraphs, sample

REAL = "https://www.unicef.org"
TOPIC = "/azerbaijan/inclusive-education"
TOPIC_AZ = "/azerbaijan/az/inkl%C3%BCziv-t%C9%99hsil"
STORIES = "/azerbaijan/stories"
PRESS = "/azerbaijan/press-releases"
STORY_PAGES = 4
PER_PAGE = 2
DATES = ("12 March 2021", "3 June 2021", "Friday, 24 September 2021", "1 December 2021",
         "20 January 2022", "14 April 2022", "9 August 2022", "30 November 2022")


def story_path(n: int) -> str:
    return f"{STORIES}/story-{n}"


def article(title: str, date: str, topic: str) -> str:
    body = (f'<article class="node node--type-story"><h1>{title}</h1>'
            f'<div class="date">{date}</div>{paragraphs(topic)}</article>'
            '<section class="related-content"><h2>More stories</h2><ul>'
            f'<li><a href="{STORIES}/not-listed-story">Not listed</a></li></ul></section>')
    return page(f"{title} | UNICEF Azerbaijan", body)


def listing(title: str, path: str, items: list[str], number: int, pages: int) -> str:
    rows = "\n".join(f'<div class="views-row"><a href="{href}">Item {href}</a></div>' for href in items)
    pager = ""
    if pages > 1:
        links = ['<li><a href="?page=0">First</a></li>'] + [
            f'<li><a href="{path}?page={n}">{n + 1}</a></li>' for n in range(pages)]
        if number + 1 < pages:
            links.append(f'<li><a href="?page={number + 1}" rel="next">Next</a></li>')
        pager = f'<nav class="pager" role="navigation"><ul>{"".join(links)}</ul></nav>'
    return page(f"{title} | UNICEF Azerbaijan",
                f"<h1>{title}</h1><p>Latest {title.lower()} from UNICEF in Azerbaijan, page "
                f'{number + 1}.</p><div class="view-content">{rows}</div>{pager}')


def story_links(number: int) -> list[str]:
    """The items of stories page ``number``, spelled as a CMS and share buttons spell them."""
    links = [story_path(number * PER_PAGE + i + 1) for i in range(PER_PAGE)]
    if number == 0:
        links += [story_path(1) + "/?utm_source=newsletter&utm_medium=email#main",
                  REAL.replace("https", "http") + "/azerbaijan/stories/external"]  # another site
    return links


def serve_unicef(server: MockServer, *, drop_last_story: bool = False) -> set[str]:
    """Program the replica; returns the paths of every page a crawl finds."""
    base = server.url
    server.page(TOPIC, sample("unicef-page", base, REAL))
    az = sample("unicef-page", base, REAL).replace('lang="en"', 'lang="az"', 1).replace(
        "<h1 class=\"hero__title\">Inclusive Education</h1>",
        "<h1 class=\"hero__title\">İnklüziv təhsil</h1><p>Azərbaycan dilində.</p>")
    server.page(TOPIC_AZ, az)
    for number in range(STORY_PAGES):
        items = story_links(number)
        if drop_last_story and number == STORY_PAGES - 1:
            items = items[:-1]
        html = listing("Stories", STORIES, items, number, STORY_PAGES)
        server.page(STORIES if number == 0 else f"{STORIES}?page={number}", html)
    for n in range(1, STORY_PAGES * PER_PAGE + 1):
        server.page(story_path(n), article(f"Story {n}", DATES[n - 1], f"Story {n}"))
    press = [f"{PRESS}/release-{n}" for n in (1, 2)]
    server.page(PRESS, listing("Press releases", PRESS, press, 0, 1))
    for n, href in enumerate(press, 1):
        server.page(href, article(f"Press release {n}", "20 May 2021", f"Release {n}"))
    return ({TOPIC, TOPIC_AZ} | {story_path(n) for n in range(1, STORY_PAGES * PER_PAGE + 1)}
            | set(press))
