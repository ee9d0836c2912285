"""Pages with every kind of embedded metadata, for the golden citations
(tests/profilewatch/test_citation_golden.py) and the citation tests.

Each page is ``(url, html, organisation)``; the bodies say enough to pass the page screen. The
expected citations are ``tests/profilewatch/golden/<name>.json`` (CSL-JSON) and ``<name>.apa.txt``,
checked by hand against the contract's ``cite`` rules.
"""

from __future__ import annotations

from dataclasses import dataclass

BODY = ("<p>Teachers in every region took part in the programme, which trained them to include "
        "children with disabilities in ordinary classrooms and to adapt lessons and tests.</p>"
        "<p>The ministry and its partners will extend the programme to all districts next year, "
        "with new materials in the national languages.</p>")


def page(head: str, body: str = "", lang: str = "en") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
            f"<body><main>{body}{BODY}</main></body></html>")


@dataclass(frozen=True)
class CitedPage:
    url: str
    html: str
    organisation: str | None = None


PAGES: dict[str, CitedPage] = {
    # the issue's example: the site name after " | " is the container and the author, never the title
    "peer-title-suffix": CitedPage(
        "https://education-profiles.org/europe-and-northern-america/kazakhstan/~technology",
        page("<title>Kazakhstan – Technology | PEER Education Profiles</title>",
             '<h1>Kazakhstan</h1><div class="field"><div class="field__label">Last modified:</div>'
             '<div class="field__item"><time datetime="2021-07-22T22:01:00Z">Fri, 23/07/2021 - 00:01'
             "</time></div></div>")),
    "highwire-only": CitedPage(
        "https://www.example.org/publications/inclusive-schools-2023",
        page('<title>Inclusive schools in 2023 | Example Institute</title>'
             '<meta name="citation_title" content="Inclusive schools in 2023: a review">'
             '<meta name="citation_author" content="Smith, Jane">'
             '<meta name="citation_author" content="John Q. Public">'
             '<meta name="citation_author" content="Ludwig van Beethoven">'
             '<meta name="citation_publication_date" content="2023/04/12">',
             "<h1>Inclusive schools in 2023: a review</h1>")),
    "dublin-core-only": CitedPage(
        "https://edu.example.az/reports/teacher-training",
        page('<title>Teacher training</title>'
             '<link rel="schema.DC" href="http://purl.org/dc/elements/1.1/">'
             '<meta name="DC.title" content="Teacher training in Azerbaijan">'
             '<meta name="DC.creator" content="Aliyev, Rashad">'
             '<meta name="DC.creator" content="Ministry of Education">'
             '<meta name="DC.date" content="2022-09-01">'
             '<meta name="DC.publisher" content="Ministry of Education of Azerbaijan">'
             '<meta name="description" content="Not a Dublin Core field">',
             "<h1>Teacher training in Azerbaijan</h1>")),
    "jsonld-article-persons": CitedPage(
        "https://news.example.org/2024/03/girls-in-stem",
        page('<title>Girls in STEM: the first cohort graduates - Example News</title>'
             '<script type="application/ld+json">{"@context": "https://schema.org",'
             ' "@type": "NewsArticle", "headline": "Girls in STEM: the first cohort graduates",'
             ' "author": [{"@type": "Person", "givenName": "Amina", "familyName": "Hasanova"},'
             ' {"@type": "Person", "name": "Timur Bekov"},'
             ' {"@type": "Organization", "name": "Example News Desk"}],'
             ' "datePublished": "2024-03-08T09:00:00+05:00", "dateModified": "2024-03-10",'
             ' "publisher": {"@type": "Organization", "name": "Example News"}}</script>',
             "<h1>Girls in STEM: the first cohort graduates</h1>")),
    "jsonld-publisher-ispartof": CitedPage(
        "https://www.example.org/gem/report/2024/leadership",
        page('<title>Leadership in education</title>'
             '<script type="application/ld+json">{"@context": "https://schema.org",'
             ' "@type": "Report", "name": "Leadership in education",'
             ' "publisher": {"@type": "Organization", "name": "UNESCO"},'
             ' "isPartOf": {"@type": "WebSite", "name": "Global Education Monitoring Report"},'
             ' "datePublished": "2024-10-31"}</script>',
             "<h1>Leadership in education</h1>")),
    "jsonld-graph": CitedPage(
        "https://www.example.kz/en/stories/back-to-school",
        page('<title>Back to school - UNICEF Kazakhstan</title>'
             '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
             '{"@type": "Organization", "@id": "https://www.example.kz/#org", "name": "UNICEF"},'
             '{"@type": "WebSite", "@id": "https://www.example.kz/#website",'
             ' "name": "UNICEF Kazakhstan", "publisher": {"@id": "https://www.example.kz/#org"}},'
             '{"@type": "WebPage", "@id": "https://www.example.kz/en/stories/back-to-school",'
             ' "name": "Back to school - UNICEF Kazakhstan",'
             ' "isPartOf": {"@id": "https://www.example.kz/#website"},'
             ' "datePublished": "2023-08-28T08:00:00+00:00", "dateModified": "2024-01-15"},'
             '{"@type": "Article", "headline": "Back to school",'
             ' "isPartOf": {"@id": "https://www.example.kz/en/stories/back-to-school"},'
             ' "author": {"@id": "https://www.example.kz/#dana"}},'
             '{"@type": "Person", "@id": "https://www.example.kz/#dana",'
             ' "name": "Dana Sultanova"}]}</script>'
             '<script type="application/ld+json">{ not json </script>',
             "<h1>Back to school</h1>")),
    "open-graph-only": CitedPage(
        "https://www.example.uz/en/news/teachers-day",
        page('<title>UNDP Uzbekistan</title>'
             '<meta property="og:title" content="Teachers’ Day celebrated in Tashkent">'
             '<meta property="og:site_name" content="UNDP Uzbekistan">'
             '<meta property="article:modified_time" content="2024-10-02T11:00:00+05:00">',
             "<h1>Teachers’ Day celebrated in Tashkent</h1>")),
    "meta-author-inverted": CitedPage(
        "https://www.example.org/blog/inclusive-classrooms",
        page('<title>Inclusive classrooms | Example Blog</title>'
             '<meta name="author" content="Mammadova, Leyla">',
             "<h1>Inclusive classrooms</h1>")),
    "meta-author-literal": CitedPage(
        "https://www.example.org/stories/school-meals",
        page('<title>School meals – Example Country Office</title>'
             '<meta name="author" content="UNICEF Country Office">',
             "<h1>School meals</h1>")),
    "title-prefix": CitedPage(
        "https://www.example.am/education-in-emergencies",
        page("<title>UNICEF Armenia | Education in emergencies</title>",
             "<h1>Education in emergencies</h1>")),
    "title-dash-host": CitedPage(
        "https://georgia.example.org/en/school-meals",
        page("<title>School meals for every child - Georgia</title>")),
    "title-no-site-part": CitedPage(
        "https://www.example.org/profiles/kazakhstan-technology",
        page("<title>Kazakhstan – Technology</title>", "<h1>Kazakhstan – Technology</h1>")),
    "no-metadata": CitedPage(
        "http://plain.example.net/page.html",
        page("", "<h1>Annual activity report</h1>")),
    "last-modified-line": CitedPage(
        "https://www.example.org/programmes/early-learning",
        page("<title>Early learning | Example Foundation</title>",
             "<h1>Early learning</h1><p>Last modified: 12 March 2024</p>")),
    "time-element": CitedPage(
        "https://www.example.org/news/new-schools",
        page("<title>New schools open | Example Foundation</title>",
             '<article><h1>New schools open</h1><time datetime="2023-11-05">5 November 2023'
             "</time></article>")),
    "published-and-modified": CitedPage(
        "https://www.example.org/news/curriculum-reform",
        page('<title>Curriculum reform | Example Foundation</title>'
             '<meta property="article:modified_time" content="2024-03-03T10:00:00Z">',
             "<h1>Curriculum reform</h1><p>Published: 1 February 2022</p>"
             "<p>Last updated: 3 March 2024</p>")),
    "time-published-and-modified-line": CitedPage(
        "https://www.example.org/news/exam-results",
        page("<title>Exam results | Example Foundation</title>",
             '<article><h1>Exam results</h1><p>Posted <time datetime="2022-05-10T20:30:00-04:00">'
             "10 May 2022</time></p><p>Last updated: 3 March 2024</p></article>")),
    "russian": CitedPage(
        "https://www.example.kz/ru/inklyuzivnoe-obrazovanie",
        page('<title>Инклюзивное образование | ЮНИСЕФ Казахстан</title>'
             '<meta property="og:site_name" content="ЮНИСЕФ Казахстан">'
             '<meta name="author" content="Иванова, Анна">'
             '<meta property="article:published_time" content="2024-05-05T01:00:00+06:00">',
             "<h1>Инклюзивное образование</h1><p>Учителя всех регионов приняли участие в "
             "программе инклюзивного образования для детей с инвалидностью.</p>", lang="ru")),
    "organisation-configured": CitedPage(
        "https://www.example.org/azerbaijan/stories/digital-learning",
        page('<title>Digital learning | UNICEF Azerbaijan</title>'
             '<script type="application/ld+json">{"@context": "https://schema.org",'
             ' "@type": "Article", "headline": "Digital learning",'
             ' "author": {"@type": "Person", "name": "Jane Doe"},'
             ' "datePublished": "2022-06-01"}</script>',
             "<h1>Digital learning</h1>"), organisation="UNICEF"),
}
