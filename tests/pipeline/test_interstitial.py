"""Page kinds read from the page, in any language: ``read_signals`` + ``page_kind``."""

from __future__ import annotations

import pytest

from pipeline.extract import (
    extract_h1,
    extract_main_text,
    extract_title,
    parse_html,
    prune_boilerplate,
)
from pipeline.interstitial import page_kind, read_signals
from profilewatch import samples
from tests.support import interstitials as pages


def kind(html: str, url: str = "https://site.test/page") -> str | None:
    tree = parse_html(html)
    signals = read_signals(tree, url, extract_title(tree), extract_h1(tree))
    main = prune_boilerplate(parse_html(html))
    return page_kind(signals, extract_main_text(main)[0])


@pytest.mark.parametrize("name", ["ngo-news", "undp-press-release", "unesco-profile", "unicef-page"])
def test_the_sample_articles_are_ordinary_pages(name: str) -> None:
    assert kind(samples.load_sample(name)) is None
    assert kind(samples.churn(samples.load_sample(name), 3)) is None


def test_each_kind() -> None:
    assert kind(pages.login_html()) == "login page"
    assert kind(pages.consent_html()) == "consent page"
    assert kind(pages.chooser_html()) == "language chooser"
    assert kind(pages.search_html("school"), "https://site.test/search?q=school") == "search page"
    assert kind(pages.listing_html()) == "listing page"
    assert kind(pages.article_html("Teacher training", "teacher")) is None


def test_other_languages() -> None:
    russian_login = pages.chrome("Вход", '<main><h1>Вход в личный кабинет</h1><form method="post">'
                                 '<input name="login"><input type="password" name="pass">'
                                 "<button>Войти</button></form></main>", lang="ru")
    assert kind(russian_login) == "login page"
    consent = pages.chrome("Çerezler", "<main><div><h1>Çerez tercihleri</h1><p>Bu site çerezler "
                           "kullanır. Devam etmek için onay verin.</p><button>Tümünü kabul et"
                           "</button></div></main>", lang="tr", banner=False)
    assert kind(consent) == "consent page"
    country = pages.chrome("Выберите страну", "<main><h1>Выберите страну</h1><ul>" + "".join(
        f'<li><a href="/{c}">{c}</a></li>'
        for c in ("Казахстан", "Азербайджан", "Узбекистан", "Кыргызстан", "Таджикистан"))
        + "</ul></main>", lang="ru")
    assert kind(country) == "country chooser"


def test_a_site_language_switcher_or_cookie_banners_do_not_make_a_short_page_an_interstitial() -> None:
    short = pages.article_html("Short note", "note", paragraphs=2)
    switcher = "<nav><ul>" + "<li><a href='/x'>English</a></li>" * 3 + "</ul></nav>"
    assert kind(short.replace("</article>", switcher + "</article>")) is None
    banners = "".join(f'<div class="cookie-banner"><p>We use cookies. Accept {i}.</p>'
                      "<button>Accept</button></div>" for i in range(6))
    assert kind(short.replace("</article>", banners + "</article>")) is None


def test_a_login_box_beside_an_article_is_not_a_login_page() -> None:
    html = pages.article_html("Teacher training", "teacher").replace(
        "<header>", '<header><form><input type="password" name="p"></form>')
    assert kind(html) is None


def test_consent_containers_are_the_ones_the_xpath_rule_names() -> None:
    """The consent containers read in Python are exactly those of the rule written as one XPath
    (ASCII case folded for cookie/consent/gdpr, onetrust as written, any id or class)."""
    from lxml import etree
    from lxml.html import fromstring

    from pipeline.interstitial import _consent_markers

    rule = etree.XPath(
        "//body//*[@id or @class][contains(translate(concat(@id,' ',@class),'COKIESNT','cokiesnt'),"
        "'cookie') or contains(translate(concat(@id,' ',@class),'CONSET','conset'),'consent')"
        " or contains(translate(concat(@id,' ',@class),'GDPR','gdpr'),'gdpr')"
        " or contains(@class,'onetrust') or contains(@id,'onetrust')]")
    labels = ["CookieBar", "COOKIE", "co\u212aokie", "cookİe", "x-Consent-y", "GDPR", "OneTrust",
              "onetrust-banner", "cook ie", "", "consen t", "gdp", "plain"]
    body = "".join(f'<div id="{a}" class="{b}"><p>t</p></div>' for a in labels for b in labels[::3])
    body += '<section class="cookies"><div class="consent">x</div></section><span id="gdpr"></span>'
    tree = fromstring(f"<html><head><div class='cookie'></div></head><body>{body}</body></html>")
    expected = rule(tree)
    assert len(expected) > 20
    assert _consent_markers(tree) == expected


def test_a_block_inside_a_skipped_element_ends_the_prose_block_around_it() -> None:
    from lxml.html import fromstring

    from pipeline.interstitial import _prose_blocks

    def blocks(html: str) -> list[int]:
        return _prose_blocks(fromstring(f"<html><body>{html}</body></html>").find("body"))

    assert blocks("<div>alpha <a href='/'>link <span>x</span></a> beta</div>") == [10]
    assert blocks("<div>alpha <a href='/'>link <p>x</p></a> beta</div>") == [5, 4]
    assert blocks("<div>alpha <nav><ul><li>menu</li></ul></nav> beta <form>f</form> gamma</div>") \
        == [5, 10]


def test_element_text_is_its_text_content() -> None:
    from lxml.html import fromstring

    from pipeline.interstitial import _text

    tree = fromstring("<html><body><div> a<!-- note -->b<?pi x?>c&amp; <b>d\u00a0</b>e"
                      "<script>var s = 1;</script><br>f<style>p{}</style>&nbsp;g&unknown;</div>"
                      "tail</body></html>")
    for element in tree.iter():
        if isinstance(element.tag, str):
            assert _text(element) == " ".join(element.text_content().split())
    assert _text(tree.find("body")) == "abc& d evar s = 1;fp{} g&unknown;tail"


def test_a_login_form_beside_one_long_paragraph_is_still_a_login_page() -> None:
    """An article-length paragraph stops the prose reading only once the login rule is settled:
    with a password field the prose is read on until it passes the login page's limit."""
    notice = " ".join(pages.sentences("notice", 5))      # one paragraph of ~400 characters
    assert 350 <= len(notice) < 1200
    login = pages.login_html().replace("<h1>Log in</h1>", f"<h1>Log in</h1><p>{notice}</p>")
    assert kind(login) == "login page"
    long_read = login.replace("</form>", "</form>" + f"<p>{notice}</p>" * 3)
    assert kind(long_read) is None


def test_teasers_after_an_articles_paragraph_do_not_make_a_listing() -> None:
    """Teasers are read only on a page without an article's paragraph, wherever they stand."""
    article = pages.article_html("Teacher training", "teacher", paragraphs=3)
    with_teasers = article.replace("</article>", pages.teasers(8, "More") + "</article>")
    assert kind(with_teasers) == "listing page"     # short paragraphs: a page of teasers
    paragraph = f"<p>{' '.join(pages.sentences('long', 5))}</p>"
    assert kind(with_teasers.replace("<h1>", paragraph + "<h1>", 1)) is None
    assert kind(with_teasers.replace("</article>", paragraph + "</article>")) is None
    assert kind(pages.listing_html()) == "listing page"


def test_consent_containers_are_measured_only_where_the_page_speaks_of_consent() -> None:
    """A cookie container's text counts only with the consent vocabulary in the page: a page that
    names cookies nowhere in its words is never a consent page, whatever its classes say."""
    from pipeline.interstitial import read_signals

    def signals(html: str) -> tuple[int, int]:
        tree = parse_html(html)
        measured = read_signals(tree, "https://site.test/page", extract_title(tree), None)
        return measured.consent_words, measured.consent_block

    quiet = pages.chrome("Note", '<main><div class="cookie-wall"><p>'
                         + " ".join(pages.sentences("quiet", 4)) + "</p></div></main>", banner=False)
    assert signals(quiet) == (0, 0)
    assert kind(quiet) is None
    assert signals(pages.consent_html())[1] >= 200
    assert kind(pages.consent_html()) == "consent page"
