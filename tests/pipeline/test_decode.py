"""Charsets: declared, undeclared and wrongly declared pages give the same text."""

from __future__ import annotations

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
