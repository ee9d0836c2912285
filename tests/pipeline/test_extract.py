"""Golden-page probes on the four sample templates (trafilatura's realworld_tests style): the main
sentences are extracted, the menus, banners and sidebars are not, and the metadata is right."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.analyse import analyse_fetch
from pipeline.types import Analysis, Fetched, Outcome, Profile
from profilewatch import samples


def analyse(body: str | bytes, *, content_type: str = "text/html; charset=utf-8",
            status: int = 200, profile: Profile | None = None) -> Analysis:
    data = body.encode("utf-8") if isinstance(body, str) else body
    fetched = Fetched(url="https://example.org/page", source="s", fetched_at=datetime.now(UTC),
                      status=status, headers={"content-type": content_type}, body=data)
    return analyse_fetch(fetched, profile or Profile())


GOLDEN = {
    "unesco-profile": {
        "present": ["1. Terminology", "2.2. Technology infrastructures, technological capacity",
                    "none of them provides clear definition of educational technology",
                    "upAs of December 2023, Azerbaijan does not have a nationwide ban"],
        "absent": ["We use cookies", "has moved to a new website", "Technology profiles in the region",
                   "Last modified", "Terms and Conditions", "Validated by the country"],
        "title": "Azerbaijan | Technology | Education Profiles",
        "declared": ("Mon, 05/08/2024 - 17:13", "2024-08-05T15:13:00Z", "modified"),
    },
    "unicef-page": {
        "present": ["UNICEF promotes inclusive education through teacher trainings",
                    "Inclusive education is not an option – it is a child’s right",
                    "Timeline of events"],
        "absent": ["Related topics", "Stay up to date", "We use cookies", "Donate"],
        "title": "Inclusive Education",
        "declared": None,
    },
    "undp-press-release": {
        "present": ["This Inclusive Centre has been established by the United Nations Development",
                    "SAVE is committed to replicating inclusive education programmes"],
        "absent": ["Other Resources", "Fraud Alert", "Jeyhun Alakbarov", "This site uses cookies"],
        "title": "EU Funded Inclusive Vocational Arts and Crafts Training Centre successfully "
                 "relocated to Baku’s State Vocational Education Centre | United Nations in Azerbaijan",
        "declared": ("20 May 2021", "2021-05-20T08:00:00Z", "published"),
    },
    "ngo-news": {
        "present": ["Within the framework of advocacy campaign on activities of the Caucasus Network",
                    "In total more than 100 people were attended at the previous events."],
        "absent": ["United Kingdom", "Latest news", "Visitors:", "All rights reserved"],
        "title": "The public was informed about the activities of CNC - Caucasus Network for Children",
        "declared": None,
    },
}


@pytest.mark.parametrize("name", samples.SAMPLES)
def test_golden_page_probes(name: str) -> None:
    expected = GOLDEN[name]
    result = analyse(samples.load_sample(name))
    assert result.outcome is Outcome.OK
    assert result.extracted is not None
    text = result.extracted.text
    for sentence in expected["present"]:
        assert sentence in text
    for boilerplate in expected["absent"]:
        assert boilerplate not in text
    assert result.extracted.title == expected["title"]
    declared = result.extracted.declared
    if expected["declared"] is None:
        assert declared is None
    else:
        assert declared is not None
        assert (declared.text, declared.value, declared.kind) == expected["declared"]
    assert result.extracted.language == "en"


@pytest.mark.parametrize("name", samples.SAMPLES)
@pytest.mark.parametrize("seed", range(8))
def test_boilerplate_churn_changes_nothing_compared(name: str, seed: int) -> None:
    base = analyse(samples.load_sample(name)).extracted
    churned = analyse(samples.churn(samples.load_sample(name), seed)).extracted
    assert base is not None and churned is not None
    assert churned.text_sha256 == base.text_sha256
    assert (churned.title, churned.declared) == (base.title, base.declared)


@pytest.mark.parametrize("name", samples.SAMPLES)
def test_an_edit_changes_the_fingerprint_and_a_date_bump_does_not(name: str) -> None:
    html = samples.load_sample(name)
    base = analyse(html).extracted
    edited = analyse(samples.edit_text(html, 1)).extracted
    bumped = analyse(samples.bump_last_modified(html, "2025-02-03T04:05:00Z",
                                                "Mon, 03/02/2025 - 05:05")).extracted
    assert base and edited and bumped
    assert edited.text_sha256 != base.text_sha256
    assert "This sentence was added in revision 1." in edited.text
    assert bumped.text_sha256 == base.text_sha256
    assert bumped.declared is not None and bumped.declared.value == "2025-02-03T04:05:00Z"


def test_last_modified_inside_the_body_is_metadata_not_text() -> None:
    html = ("<html><body><main><h1>Profile</h1><p>" + "Real content sentence. " * 20 + "</p>"
            "<p>Last modified: Fri, 23/07/2021 - 00:01</p></main></body></html>")
    result = analyse(html).extracted
    assert result is not None
    assert "Last modified" not in result.text and "23/07/2021" not in result.text
    assert result.declared is not None
    assert (result.declared.text, result.declared.value) == ("Fri, 23/07/2021 - 00:01",
                                                             "2021-07-23T00:01:00")


def test_ignore_filters_remove_elements_and_text() -> None:
    html = ("<html><body><main><h1>Title</h1><p>" + "Kept sentence here. " * 10 + "</p>"
            '<p class="view-count">Seen 1234 times</p><div id="share"><p>Share this page now</p></div>'
            "<p>Visitors: 5531 this week and more text to make it a paragraph.</p></main></body></html>")
    profile = Profile(ignores=("css:.view-count", "xpath://div[@id='share']", r"regex:Visitors: \d+"))
    result = analyse(html, profile=profile).extracted
    assert result is not None
    assert "Seen 1234" not in result.text and "Share this page" not in result.text
    assert "Visitors: 5531" not in result.text and "this week and more text" in result.text
    assert "Kept sentence here." in result.text


def test_small_pages_keep_their_text_and_drop_menus() -> None:
    result = analyse("<html><head><title>T</title></head><body><nav><a href='/'>Home</a></nav>"
                     "<p>Hello v1</p><footer>Footer 2024</footer></body></html>").extracted
    assert result is not None
    assert result.text == "Hello v1"


SIDEBAR = ("<div class='sidebar'><h3>Latest news</h3><ul>{}</ul></div>"
           "<div class='footer'>Copyright {}. Contact us.</div>")


@pytest.mark.parametrize("body", [
    "<p>Hello v1</p>",
    "<p>The ministry adopted a new strategy on inclusive education.</p><p>Teachers trained.</p>",
    "<div>Version 2 of the page text, with some words.</div>",
    "<ul><li>Fact one</li><li>Fact two</li></ul>",
])
def test_small_pages_ignore_rotating_sidebars(body: str) -> None:
    def page(items: list[str], year: int) -> str:
        menu = "<div class='header'><a href='/'>Home</a> | <a href='/about'>About</a></div>"
        side = SIDEBAR.format("".join(f"<li><a href='/{i}'>{i}</a></li>" for i in items), year)
        return f"<html><body>{menu}<div class='content'><h1>Report</h1>{body}</div>{side}</body></html>"

    first = analyse(page(["Minister visits school", "New textbooks"], 2023)).extracted
    second = analyse(page(["Conference on rights held in Baku", "Minister visits school",
                           "Summer camp"], 2024)).extracted
    assert first is not None and second is not None
    assert first.text_sha256 == second.text_sha256
    assert "Latest news" not in first.text and "Home" not in first.text
    edited = analyse(page(["New textbooks"], 2023).replace("Report", "Report (revised)")).extracted
    assert edited is not None and edited.text_sha256 != first.text_sha256


@pytest.mark.parametrize("declared", ["windows-1251", "koi8-r", "iso-8859-1", "shift_jis", "utf-16"])
def test_a_decoded_page_is_parsed_as_the_text_it_is_whatever_charset_it_declares(declared: str) -> None:
    """The parser reads the decoded text, never re-decoding it by the page's own declaration
    (the declaration was applied when the body was decoded)."""
    from pipeline.extract import parse_html

    text = (f'<html><head><meta charset="{declared}"><title>Образование · 教育 · é</title></head>'
            "<body><p>Инклюзивное образование в Казахстане — 2024 年 ✓</p>\x08</body></html>")
    tree = parse_html(text)
    assert tree.findtext(".//title") == "Образование · 教育 · é"
    assert tree.findtext(".//p") == "Инклюзивное образование в Казахстане — 2024 年 ✓"
    assert parse_html(text.replace("\x08", "\ud800")).findtext(".//p") == tree.findtext(".//p")
