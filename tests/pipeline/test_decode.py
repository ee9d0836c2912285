"""Charsets: declared, undeclared and wrongly declared pages give the same text."""

from __future__ import annotations

import re

import pytest

from pipeline.decode import UndecodableBody, decode_body
from profilewatch import samples
from tests.pipeline.test_extract import analyse

RUSSIAN = ("<html><head><title>Новости</title></head><body><main><h1>Новости</h1><p>"
           + "Общественность была проинформирована о деятельности сети. " * 8
           + "</p></main></body></html>")


@pytest.mark.parametrize(("encoding", "content_type", "declare"), [
    ("utf-8", "text/html; charset=utf-8", True),
    ("windows-1251", "text/html; charset=windows-1251", True),   # header says so
    ("windows-1251", "text/html", True),                         # only <meta charset>
    ("windows-1251", "text/html", False),                        # nothing declared: detection
    ("koi8-r", "text/html; charset=koi8-r", False),
    ("utf-16", "text/html", True),                               # BOM
])
def test_cyrillic_page_in_any_encoding_gives_the_same_text(encoding: str, content_type: str,
                                                           declare: bool) -> None:
    reference = analyse(RUSSIAN).extracted
    body = samples.encode_as(RUSSIAN.replace("<head>", '<head><meta charset="utf-8" />'), encoding,
                             declare=declare)
    result = analyse(body, content_type=content_type).extracted
    assert reference is not None and result is not None
    assert result.text == reference.text
    assert "Общественность" in result.text


def test_utf8_body_declared_as_latin1_is_read_as_utf8() -> None:
    body = "<html><body><p>Azərbaycan Respublikası təhsil</p></body></html>".encode()
    decoded = decode_body(body, "text/html; charset=iso-8859-1")
    assert "Azərbaycan" in decoded.text and decoded.encoding == "utf-8"


def test_latin1_page_without_declaration() -> None:
    body = ("<html><body><p>" + "Éducation inclusive à Bakou, été. " * 5 + "</p></body></html>"
            ).encode("latin-1")
    decoded = decode_body(body, "text/html")
    assert "Éducation inclusive à Bakou" in decoded.text


def test_binary_is_undecodable() -> None:
    with pytest.raises(UndecodableBody):
        decode_body(bytes(range(256)) * 10, "text/html")


def _with_paragraphs(sample: str, paragraph: str) -> str:
    """A real sample page (big English menus, scripts, footer) with ``paragraph`` leading its
    first three long paragraphs and no charset declared anywhere."""
    html = re.sub(r"(<p[^>]*>)([^<]{60,})", lambda m: m.group(1) + paragraph + m.group(2),
                  samples.load_sample(sample), count=3)
    html = re.sub(r"<meta[^>]*charset[^>]*>", "", html, flags=re.IGNORECASE)
    return html


def test_undeclared_cyrillic_in_a_page_of_english_markup_is_detected() -> None:
    html = _with_paragraphs("ngo-news", "Общественность была проинформирована о деятельности сети. " * 3)
    decoded = decode_body(html.encode("cp1251"), "text/html")
    assert decoded.encoding == "cp1251"
    assert decoded.text == html


def test_header_and_meta_that_disagree_are_settled_by_the_text() -> None:
    html = _with_paragraphs("ngo-news", "Инклюзивное образование в школах Баку. " * 3)
    body = html.replace("<head>", '<head><meta charset="windows-1251">', 1).encode("cp1251")
    decoded = decode_body(body, "text/html; charset=iso-8859-1")   # a server's default, wrong
    assert decoded.encoding == "cp1251" and "Инклюзивное образование" in decoded.text


def test_a_wrong_single_byte_declaration_that_garbles_the_text_is_overridden() -> None:
    html = _with_paragraphs("ngo-news", "L'éducation inclusive à Bakou, été comme hiver. " * 3)
    body = html.replace("<head>", '<head><meta charset="windows-1251">', 1).encode("cp1252")
    decoded = decode_body(body, "text/html")
    assert "L'éducation inclusive à Bakou, été comme hiver." in decoded.text


def test_a_right_legacy_declaration_is_kept() -> None:
    html = _with_paragraphs("ngo-news", "Okullarda kapsayıcı eğitim, öğrenciler için şimdi. " * 3)
    html = re.sub("[“”’–]", "'", html)   # not in ISO-8859-9
    decoded = decode_body(html.encode("iso8859-9"), "text/html; charset=iso-8859-9")
    assert decoded.text == html and decoded.encoding in ("iso8859-9", "cp1254")


@pytest.mark.parametrize("paragraph", ["Inclusive\xa0education for all. ", "“Quoted” – dash… ",
                                       "Price €5 – café. "])
def test_an_undeclared_western_page_with_few_non_ascii_characters_is_windows_1252(paragraph: str) -> None:
    html = _with_paragraphs("unicef-page", paragraph).replace("ə", "e")
    decoded = decode_body(html.encode("cp1252"), "text/html")
    assert decoded.text == html        # not a DOS codepage no web page uses (cp775 read them)
