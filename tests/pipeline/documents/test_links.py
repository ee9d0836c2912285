"""Which links of a page are its documents: content links by extension or type, candidates by what
the link says, never navigation, header, footer or sidebar links, never other hosts."""

from __future__ import annotations

from pipeline.documents.detect import format_of_response
from pipeline.documents.links import find_document_links, find_links
from pipeline.extract import parse_html

PAGE = "https://www.unicef.org/azerbaijan/inclusive-education"


def links(body: str, allowed: tuple[str, ...] = ()) -> list[tuple[str, bool]]:
    tree = parse_html(f"<html><body>{body}</body></html>")
    return [(link.url, link.certain) for link in find_links(tree, PAGE, allowed)]


def test_the_real_unicef_page_links_its_two_briefing_notes() -> None:
    html = _sample("unicef-page")
    found = find_document_links(parse_html(html), PAGE)
    assert found == ["https://www.unicef.org/azerbaijan/media/1234/file/IE-briefing-note-ENG.pdf",
                     "https://www.unicef.org/azerbaijan/media/1235/file/IE-briefing-note-AZE.pdf"]


def _sample(name: str) -> str:
    from profilewatch import samples

    return samples.load_sample(name)


def test_navigation_header_footer_and_aside_links_are_left_out() -> None:
    found = links("""<header><a href="/policy.pdf">Policy</a></header>
        <nav><a href="/nav.pdf">Nav</a></nav>
        <main><p>Read <a href="/report.pdf#page=3">the report</a> and <a href="report.docx">notes</a>.</p>
        <aside><a href="/side.xlsx">Side</a></aside></main>
        <footer><a href="/terms.pdf">Terms</a></footer>""")
    assert found == [("https://www.unicef.org/report.pdf", True),
                     ("https://www.unicef.org/azerbaijan/report.docx", True)]


def test_other_hosts_only_when_allowed() -> None:
    body = """<main><p>Data: <a href="https://data.unicef.org/t.xlsx">table</a>,
        <a href="https://evil.example/x.pdf">x</a>, <a href="https://www.unicef.org/a.odt">a</a></p></main>"""
    assert links(body) == [("https://www.unicef.org/a.odt", True)]
    assert links(body, ("unicef.org",)) == [("https://data.unicef.org/t.xlsx", True),
                                            ("https://www.unicef.org/a.odt", True)]


def test_candidates_are_links_that_say_they_are_files() -> None:
    found = links("""<main><p><a href="/download/42">Project brief</a>
        <a href="/node/7">Annual report (PDF, 2 MB)</a> <a href="/x" download>x</a>
        <a href="/about">About us</a> <a href="/files/photo.jpg">Photo</a>
        <a href="/entityprint/pdf/node/6421">Download PDF</a> <a href="/f?id=1" type="application/pdf">f</a>
        </p></main>""")
    assert found == [("https://www.unicef.org/download/42", False),
                     ("https://www.unicef.org/node/7", False),
                     ("https://www.unicef.org/x", False),
                     ("https://www.unicef.org/f?id=1", True)]


def test_format_by_content_type_else_by_extension_for_generic_types() -> None:
    assert format_of_response("https://x.org/a", "application/pdf") == "pdf"
    assert format_of_response("https://x.org/a.xlsx", "application/octet-stream") == "xlsx"
    assert format_of_response("https://x.org/a.docx", None) == "docx"
    assert format_of_response("https://x.org/a.pdf", "text/html") is None
    assert format_of_response("https://x.org/a", "application/octet-stream") is None
    assert format_of_response("https://x.org/a.docx", "application/msword") == "docx"
    assert format_of_response("https://x.org/get?id=7", "application/octet-stream",
                              'attachment; filename="Budget 2024.XLSX"') == "xlsx"
    assert format_of_response("https://x.org/get", "application/octet-stream",
                              "attachment; filename*=UTF-8''plan%20sectoriel.odt") == "odt"
