"""The language data file: notices, labels and months of every watched language, extendable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.analyse import analyse_fetch
from pipeline.languages import parse_vocabulary, vocabulary
from pipeline.types import Analysis, Fetched, Outcome, Profile

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
    "Этот материал доступен только на английском языке.",
    "Бұл материал тек ағылшын тілінде қолжетімді.",
])
def test_not_available_notices(notice: str) -> None:
    assert vocabulary().not_available.search(notice)


def test_an_english_page_saying_it_is_in_english_is_a_page() -> None:
    assert not vocabulary().not_available.search("This report is only available in English.")


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


def _analyse(html: str) -> Analysis:
    fetched = Fetched(url="https://www.unicef.org/kazakhstan/ru/reports/x", source="s",
                      fetched_at=datetime.now(UTC), status=200,
                      headers={"content-type": "text/html; charset=utf-8"}, body=html.encode())
    return analyse_fetch(fetched, Profile(site="unicef"))


def _page(lang: str, body: str) -> str:
    return (f'<html lang="{lang}"><head><title>Report</title></head><body><main><h1>Report</h1>'
            f"{body}</main></body></html>")


@pytest.mark.parametrize(("lang", "notice"), [
    ("ru", "Этот материал недоступен на русском языке."),
    ("kk", "Бұл материал қазақ тілінде қолжетімсіз."),
    ("az", "Bu məzmun Azərbaycan dilində mövcud deyil."),
    ("en", "This content is not available in English."),
])
def test_a_not_available_page_is_a_failed_check(lang: str, notice: str) -> None:
    analysis = _analyse(_page(lang, f"<p>{notice}</p>"))
    assert analysis.outcome is Outcome.FAILED and analysis.reason == "not available in this language"


def test_the_language_versions_of_a_report_declare_one_date() -> None:
    paragraph = "<p>" + "Inclusive education in Kazakhstan. " * 20 + "</p>"
    versions = {
        "en": "<p>Last updated: 20 May 2021</p>",
        "ru": "<p>Последнее обновление: 20 мая 2021 г.</p>",
        "kk": "<p>Соңғы жаңарту: 2021 жылғы 20 мамыр</p>",
        "fr": "<p>Dernière mise à jour : 20 mai 2021</p>",
        "es": "<p>Última actualización: 20 de mayo de 2021</p>",
        "tr": "<p>Son güncelleme: 20 Mayıs 2021</p>",
        "ar": "<p>آخر تحديث: 20 مايو 2021</p>",
        "zh": "<p>最后更新：2021年5月20日</p>",
        "hy": "<p>Վերջին թարմացում՝ 20 մայիսի 2021</p>",
        "ka": "<p>ბოლო განახლება: 20 მაისი 2021</p>",
    }
    for lang, line in versions.items():
        analysis = _analyse(_page(lang, paragraph + line))
        assert analysis.extracted is not None, lang
        declared = analysis.extracted.declared
        assert declared is not None and declared.value == "2021-05-20", lang
        assert declared.kind == "modified", lang
        assert "2021" not in analysis.extracted.text.replace("Kazakhstan", ""), lang  # line stripped


@pytest.mark.parametrize("key", ["consent", "chooser", "search", "login", "modified", "published"])
def test_a_phrase_finder_finds_exactly_what_its_pattern_finds(key: str) -> None:
    """The first-word shortcut never changes a match: on texts mixing every phrase of the list in
    other cases, glued to letters, spread over odd whitespace, with the letters ``re`` folds
    specially (ı/i, ſ/s, K/k) and one whose lowercase is longer (İ), the spans are the pattern's."""
    import random

    from pipeline.citemeta import PUBLISHED_LABEL_RE, PUBLISHED_LABELS
    from pipeline.languages import phrase_finder

    phrases = getattr(vocabulary(), key)
    finder = phrase_finder(phrases)
    rng = random.Random(key)
    pieces = [*phrases, "x", "ab", " ", "\u00a0", "\n", "ı", "ſ", "\u212a", "İ", "_", "7", ", ",
              "Posted on: 5 May", "date published", "PUBLISHED:"]

    def variant(piece: str) -> str:
        shaped = rng.choice([str.upper, str.lower, str.title, str.swapcase, str])(piece)
        return shaped.replace(" ", rng.choice([" ", "  ", "\u00a0", "\t"]))

    for _ in range(300):
        text = "".join(variant(rng.choice(pieces)) + rng.choice(["", " ", "x"]) for _ in range(12))
        for mapped in (text, text.replace("i", "ı"), text.replace("s", "ſ")):
            assert [m.span() for m in finder.finditer(mapped)] == \
                [m.span() for m in finder.pattern.finditer(mapped)], mapped
            assert [m.span() for m in PUBLISHED_LABELS.finditer(mapped)] == \
                [m.span() for m in PUBLISHED_LABEL_RE.finditer(mapped)], mapped
