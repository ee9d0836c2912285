"""``pipeline.requisites``: a page's requisites, read from the tree the analysis parsed (issue 14's
capture made cheap): the same list as reading every element of the page, in the same order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from pipeline.analyse import analyse_fetch
from pipeline.css import absolute_url, css_references
from pipeline.requisites import (
    MAX_PAGE_REFERENCES,
    STYLESHEET,
    Reference,
    document_base,
    element_urls,
    page_references,
    parse_html,
)
from pipeline.srcset import parse_srcset
from pipeline.types import Fetched, Outcome, Profile
from profilewatch import samples

URL = "https://education-profiles.org/a/page"
HOSTILE = ("<html><head><base href='/base/'><style>@import 'x.css'; b{background:url(b.png)}</style>"
           "<link rel=stylesheet href=s.css><link rel='alternate stylesheet' href=alt.css>"
           "<link rel=preload as=font href=f.woff2><link rel=icon href=i\x01.ico></head>"
           "<body background=bg.png><table background=t.png><tr><td background=td.png>"
           "<th style='background:url(th.png)'></th></td></tr></table>"
           "<picture><source srcset='a.png 1x, b.png 2x'><img src=i.png srcset='c.png 100w'></picture>"
           "<input type=image src=in.png><input src=no.png><video poster=v.png></video>"
           "<svg><image href=svg.png /></svg><p style='background:url(s.png)'>x</p>"
           "<img src=s.css>" + "".join(f"<img src=many{n}.png>" for n in range(400))
           + "</body></html>")


def every_element(body: bytes) -> list[Reference]:
    """The reference implementation: every element of the page, one by one."""
    document = parse_html(body, None)
    assert document is not None
    base = document_base(document, URL)
    found: dict[str, str] = {}

    def add(reference: str, kind: str) -> None:
        absolute = absolute_url(reference, base)
        if absolute is not None:
            found.setdefault(absolute, kind)

    for element in document.iter(etree.Element):
        if len(found) >= MAX_PAGE_REFERENCES:
            break
        for attribute, kind, is_srcset in element_urls(element):
            value = element.get(attribute) or ""
            for url in ([c.url for c in parse_srcset(value)] if is_srcset else [value]):
                add(url, kind)
        for css in (element.get("style"), element.text if element.tag == "style" else None):
            for reference, kind in css_references(css or "", base):
                add(reference, kind)
    ordered = sorted(found.items(), key=lambda item: item[1] != STYLESHEET)
    return [Reference(u, k) for u, k in ordered[:MAX_PAGE_REFERENCES]]


@pytest.mark.parametrize("name", [*samples.SAMPLES, "hostile"])
def test_the_analysis_reads_the_same_requisites_as_every_element(name: str) -> None:
    body = (HOSTILE if name == "hostile" else samples.load_sample(name)).encode()
    expected = every_element(body)
    assert page_references(body, "text/html; charset=utf-8", URL) == expected
    assert len(expected) == (MAX_PAGE_REFERENCES if name == "hostile" else len(expected)) > 0
    fetched = Fetched(url=URL, source="s", fetched_at=datetime.now(UTC), status=200,
                      final_url=URL, headers={"content-type": "text/html; charset=utf-8"},
                      body=body)
    analysis = analyse_fetch(fetched, Profile(), references=True)
    if analysis.outcome is Outcome.OK:
        assert analysis.requisites == tuple((r.url, r.kind) for r in expected)
    assert analyse_fetch(fetched, Profile()).requisites is None      # only when asked
