"""The language data file: notices, labels and months of every watched language, extendable."""

from __future__ import annotations

import pytest

from pipeline.languages import parse_vocabulary, vocabulary

REQUIRED = ("en", "fr", "es", "ru", "ar", "zh", "kk", "az", "uz", "ky", "tg", "hy", "ka", "tr")


def test_every_language_is_there() -> None:
    words = vocabulary()
    assert set(REQUIRED) <= set(words.languages)
    assert words.months["мая"] == 5 and words.months["желтоқсан"] == 12 and words.months["ağustos"] == 8


@pytest.mark.parametrize("notice", [
    "This content is not available in Russian.",
    "The Inclusion chapter is not available in this language .",
    "Ce contenu n'est pas disponible dans cette langue.",
    "Este contenido no está disponible en este idioma.",
    "Этот материал недоступен на русском языке.",
    "Бұл материал қазақ тілінде қолжетімсіз.",
    "Bu məzmun Azərbaycan dilində mövcud deyil.",
    "Bu içerik Türkçe olarak mevcut değil.",
    "هذا المحتوى غير متوفر باللغة العربية",
    "此内容暂无中文版本",
    "Այս էջը հայերենով հասանելի չէ",
    "ეს გვერდი ქართულ ენაზე არ არის ხელმისაწვდომი",
    "Ushbu sahifa o'zbek tilida mavjud emas",
    "Бул барак кыргыз тилинде жеткиликсиз",
    "Ин саҳифа бо забони тоҷикӣ дастрас нест",
])
def test_not_available_notices(notice: str) -> None:
    assert vocabulary().not_available.search(notice)


def test_an_extended_file_needs_no_code() -> None:
    words = parse_vocabulary('[de]\nnot_available = ["nicht auf Deutsch verfügbar"]\n'
                             'months = ["januar", "februar", "märz", "april", "mai", "juni", "juli", '
                             '"august", "september", "oktober", "november", "dezember"]\n')
    assert words.not_available.search("Diese Seite ist nicht auf Deutsch verfügbar")
    assert words.months["märz"] == 3


def test_a_bad_file_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match=r"\[xx\] unknown key 'monts'"):
        parse_vocabulary('[xx]\nmonts = []\n')
    with pytest.raises(ValueError, match="12 months"):
        parse_vocabulary('[xx]\nmonths = ["a"]\n')
