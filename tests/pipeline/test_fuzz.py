"""Fuzzing (issue 8, point 5): Hypothesis properties of extraction, normalisation, diff,
classification and the config parser.

- the whole pure pipeline takes any bytes (generated HTML: deep nesting, broken and unclosed tags,
  stray ``<``, comments, entities, odd charsets and BOMs) and returns an outcome, never raises;
- normalised text is a fixed point, and diffs rebuild the new text from the old one (headings,
  word level);
- boilerplate generated around a fixed article (menus, sidebars, footers, cookie banners, forms
  with CSRF tokens, scripts with nonces, cache-busting asset URLs, random attributes) never
  changes the fingerprint, so the decision table says ``unchanged``;
- any TOML text (generated from the config's own vocabulary, then corrupted) is a config or one
  clean line of :class:`ConfigError`.

Example counts keep this file under ~30 s on two cores.
"""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.analyse import analyse_fetch
from pipeline.diff import apply_diff, diff_texts, summarize_diff, word_diff
from pipeline.extract import extract_main_text, extract_title, parse_html, prune_boilerplate
from pipeline.fingerprint import text_sha256
from pipeline.normalize import normalize_text, normalize_title, strip_volatile
from pipeline.transition import transition
from pipeline.types import Analysis, ChangeKind, Fetched, Outcome, PageState, Profile
from profilewatch.config import Config, load_config
from profilewatch.config.convert import (
    REPORT_KEYS,
    RETENTION_KEYS,
    SERVE_KEYS,
    SETTINGS_KEYS,
    SOURCE_KEYS,
)
from profilewatch.errors import ConfigError

FUZZ = settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 1, 1, tzinfo=UTC)

# --- generated HTML --------------------------------------------------------------------------------

TAGS = ("div", "p", "span", "main", "article", "section", "nav", "aside", "footer", "header",
        "table", "tr", "td", "ul", "li", "h1", "h2", "h3", "a", "b", "i", "form", "script", "style",
        "noscript", "template", "iframe", "svg", "math", "title", "body", "html", "head", "br",
        "img", "pre", "textarea", "select", "option", "frameset", "plaintext", "xmp")
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
attribute = st.tuples(st.sampled_from(("class", "id", "role", "hidden", "aria-hidden", "style",
                                       "lang", "onload", "data-x", "xmlns", "content", "name",
                                       "property", "charset", "http-equiv")),
                      st.sampled_from(("cookie-banner", "navigation", "main", "true", "utf-8",
                                       "og:title", "content-language", "x\"y", "", "<>&"))
                      | words)


@st.composite
def element(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = "".join(f' {k}="{v}"' if draw(st.booleans()) else f" {k}={v}"
                    for k, v in draw(st.lists(attribute, max_size=3)))
    children = [draw(words)] if depth > 3 else draw(st.lists(
        words | element(depth + 1), max_size=4))   # type: ignore[call-arg]
    close = draw(st.sampled_from((f"</{tag}>", f"</{tag}>", "", f"</{tag}", "</>", "</div>")))
    return f"<{tag}{attrs}>" + "".join(children) + close


JUNK = st.sampled_from(("<", ">", "&", "&amp", "&#0;", "&#xD800;", "&nbsp;", "<!--", "-->",
                        "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?xml version='1.0'?>", "\x00",
                        "\ufeff", "\u200b", "\r\n", "</html>", "<html><html>", "<meta charset=x>",
                        '<meta charset="utf-16">', "<meta charset=shift_jis>", "<base href=//x>"))


@st.composite
def html_documents(draw: st.DrawFn) -> str:
    parts = draw(st.lists(element() | JUNK | words, max_size=8))
    depth = draw(st.integers(0, 3000) | st.just(0))
    nested = draw(st.sampled_from(("div", "span", "b", "table", "li")))
    return ("".join(parts[: len(parts) // 2]) + f"<{nested}>" * depth + draw(words)
            + f"</{nested}>" * draw(st.integers(0, depth)) + "".join(parts[len(parts) // 2:]))


ENCODINGS = ("utf-8", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1251", "shift_jis",
             "gb18030", "koi8-r", "iso-2022-jp")


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """An HTML body in some encoding, maybe mislabelled, maybe with a BOM, maybe raw bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2000)), draw(st.sampled_from((None, "text/html")))
    text = draw(html_documents())
    encoding = draw(st.sampled_from(ENCODINGS))
    body = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        body = draw(st.sampled_from((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b""))) + body
    label = draw(st.sampled_from((*ENCODINGS, "bogus-charset", "")))
    content_type = draw(st.sampled_from((f"text/html; charset={label}", "text/html", None,
                                         "application/xhtml+xml", "TEXT/HTML;CHARSET=")))
    return body, content_type


def fetched(body: bytes, content_type: str | None = "text/html; charset=utf-8") -> Fetched:
    headers = {"content-type": content_type} if content_type is not None else {}
    return Fetched(url="https://example.org/page", source="fuzz", fetched_at=NOW, status=200,
                   final_url="https://example.org/page", headers=headers, body=body)


def check_analysis(analysis: Analysis) -> None:
    assert analysis.outcome in (Outcome.OK, Outcome.FAILED)
    if analysis.outcome is Outcome.FAILED:
        assert analysis.reason and "\n" not in analysis.reason
        return
    extracted = analysis.extracted
    assert extracted is not None
    assert normalize_text(extracted.text) == extracted.text
    assert extracted.text_sha256 == text_sha256(extracted.text)
    assert extracted.title is None or "\n" not in extracted.title


@FUZZ
@given(bodies(), st.sampled_from(("generic", "unesco", "unicef", "undp")))
def test_the_pipeline_takes_any_body(body: tuple[bytes, str | None], site: str) -> None:
    check_analysis(analyse_fetch(fetched(*body), Profile(site=site)))


@FUZZ
@given(html_documents())
def test_extraction_stages_take_any_html(html: str) -> None:
    try:
        tree = parse_html(html)
    except ValueError:              # ExtractionError: an empty or unparsable document
        return
    title = extract_title(tree)
    assert title is None or title == title.strip()
    text, headings = extract_main_text(prune_boilerplate(tree))
    assert isinstance(text, str) and all(isinstance(h, str) for h in headings)
    assert normalize_text(strip_volatile(text)) == normalize_text(normalize_text(strip_volatile(text)))


# --- normalisation and diffs -----------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
line_lists = st.lists(st.sampled_from(("1. Terminology", "2. Laws", "2.1. Policy", "Same line.",
                                       "", " ", "\u00a0x", "e\u0301cole", "école"))
                      | st.text(max_size=20), max_size=20)


@FUZZ
@given(any_text)
def test_normalised_text_is_a_fixed_point_without_invisible_layout(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\r" not in once and "\n\n" not in once and "\u200b" not in once
    assert all(line == line.strip() and line for line in once.split("\n")) or once == ""
    title = normalize_title(text)
    assert title is None or ("\n" not in title and title == normalize_title(title))


@FUZZ
@given(line_lists, line_lists, st.data())
def test_diffs_of_normalised_texts_rebuild_the_new_text(old: list[str], new: list[str],
                                                        data: st.DataObject) -> None:
    old_text, new_text = normalize_text("\n".join(old)), normalize_text("\n".join(new))
    lines = sorted(set(old_text.split("\n")) | set(new_text.split("\n")))
    headings = frozenset(data.draw(st.lists(st.sampled_from(lines), max_size=4))) if lines \
        else frozenset()
    diff = diff_texts(old_text, new_text, headings)
    assert apply_diff(old_text, diff) == new_text
    assert diff.changed == (old_text != new_text)
    assert all(h.section is None or h.section in headings for h in diff.hunks)
    assert summarize_diff(diff) and "\n" not in summarize_diff(diff)
    ops = word_diff(old_text, new_text)
    assert "".join(t for op, t in ops if op != "+") == old_text
    assert "".join(t for op, t in ops if op != "-") == new_text


# --- boilerplate never changes the fingerprint ------------------------------------------------------

ARTICLE = """<h1>Inclusive education in Azerbaijan</h1>
<p>The state guarantees the right to education for every child, including children with
disabilities, in general education schools close to their homes.</p>
<h2>Teachers</h2>
<p>Since 2019 every teacher training programme includes a course on inclusive pedagogy, and
schools may hire support teachers for pupils who need them.</p>
<ul><li>112 schools took part in the pilot.</li><li>50 video lessons were published.</li></ul>"""
TITLE = "Inclusive education | Example Ministry"
token = st.text(alphabet=string.ascii_letters + string.digits, min_size=4, max_size=40)
menu_words = st.lists(st.sampled_from(("Home", "About us", "News", "Contact", "Donate", "Search",
                                       "Jobs", "Press", "English", "Français", "Русский")) | token,
                      min_size=1, max_size=8)


@st.composite
def boilerplate(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(("nav", "aside", "footer", "header", "cookie", "form", "script",
                                 "style", "hidden", "role", "comment", "noscript", "onetrust")))
    links = "".join(f'<li><a href="/{draw(token)}?v={draw(token)}">{w}</a></li>'
                    for w in draw(menu_words))
    text = " ".join(draw(menu_words))
    return {
        "nav": f"<nav><ul>{links}</ul></nav>",
        "aside": f'<aside class="sidebar"><h3>Related</h3><ul>{links}</ul><p>{text}</p></aside>',
        "footer": f"<footer><p>© {draw(st.integers(1990, 2100))} {text}</p><ul>{links}</ul></footer>",
        "header": f'<header><a href="/">{text}</a><ul>{links}</ul></header>',
        "cookie": f'<div id="cookie-{draw(token)}" class="cookie-banner"><p>We use cookies. '
                  f"{text}</p><button>Accept</button></div>",
        "onetrust": f'<div id="onetrust-consent-sdk"><p>{text}</p></div>',
        "form": f'<form action="/search"><input type="hidden" name="csrf" value="{draw(token)}">'
                f'<input name="q" placeholder="{text}"><button>Search</button></form>',
        "script": f'<script nonce="{draw(token)}">window.__state = "{draw(token)}";</script>',
        "style": f".x-{draw(token)} {{ color: red }}".join(("<style>", "</style>")),
        "hidden": f'<div hidden><p>{text}</p></div><div aria-hidden="true">{text}</div>',
        "role": f'<div role="navigation"><p>{text}</p></div><div role="contentinfo">{text}</div>',
        "comment": f"<!-- cache {draw(token)} generated in {draw(st.integers(0, 999))} ms -->",
        "noscript": f"<noscript><p>{text}</p></noscript>",
    }[kind]


@st.composite
def article_pages(draw: st.DrawFn) -> str:
    """The fixed article, in <main> or as a bare <article>, among generated boilerplate."""
    before = "".join(draw(st.lists(boilerplate(), max_size=5)))
    after = "".join(draw(st.lists(boilerplate(), max_size=5)))
    inside = "".join(draw(st.lists(boilerplate(), max_size=2)))
    attrs = "".join(f' data-{draw(st.sampled_from("abcxyz"))}="{draw(token)}"'
                    for _ in range(draw(st.integers(0, 3))))
    asset = f'<link rel="stylesheet" href="/site.css?v={draw(token)}">'
    if draw(st.booleans()):
        body = f"{before}<main{attrs}><article>{ARTICLE}{inside}</article></main>{after}"
    else:
        body = f"{before}<article{attrs}>{ARTICLE}{inside}</article>{after}"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>'
            f"{asset}</head><body>{body}</body></html>")


BASELINE = analyse_fetch(fetched(f"<html lang='en'><head><title>{TITLE}</title></head><body><main>"
                                 f"<article>{ARTICLE}</article></main></body></html>".encode()),
                         Profile())


def test_the_baseline_article_is_extracted() -> None:
    assert BASELINE.extracted is not None
    assert "112 schools took part in the pilot." in BASELINE.extracted.text
    assert "Teachers" in BASELINE.extracted.headings


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(article_pages())
def test_boilerplate_never_changes_the_fingerprint(html: str) -> None:
    assert BASELINE.extracted is not None
    analysis = analyse_fetch(fetched(html.encode()), Profile())
    assert analysis.extracted is not None, analysis.reason
    assert analysis.extracted.text == BASELINE.extracted.text
    state = PageState(page_id=1, url="https://x.example/", version=3,
                      content_sha256=BASELINE.extracted.text_sha256, title=BASELINE.extracted.title)
    result = transition(state, analysis, fetched_at=NOW, final_url=None, headers={},
                        gone_after=2)
    assert result.kind is ChangeKind.UNCHANGED and result.event is None


# --- the config parser, fed TOML text ---------------------------------------------------------------

def _toml(value: object) -> str:
    """A Python value as TOML (JSON's string escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


SECTION_KEYS = {"settings": SETTINGS_KEYS, "reports": REPORT_KEYS, "serve": SERVE_KEYS,
                "cluster": {"enabled": None, "database_url": None, "queue": None,
                            "pages_per_job": None}, "retention": RETENTION_KEYS}
toml_strings = st.sampled_from((
    "https://example.org/a", "http://127.0.0.1:8080/", "ftp://x", "", " ", "1d", "30s", "0m",
    "99999999999999999999d", "0 6 * * *", "*/5 * * * *", "61 25 32 13 8", "* * * *", "a b c d e",
    "MON-FRI * * * *", "0 0 L * *", "css:.x", "css:[[[", "xpath://div[@id='x']", "xpath:///",
    "regex:(", "regex:\\d+", "jq:.a", "auto", "run", "daily", "new", "content", "generic", "unesco",
    "${HOME}", "${PW_FUZZ_UNSET}", "$", "json://u:p@h/x", "valid-name", "Bad Name", "fr", "zh-hans",
    "example.org", "a/b", "x" * 300, "\u202e", "e\u0301")) | st.text(max_size=15)
toml_scalars = (toml_strings.map(_toml)
                | st.sampled_from(("true", "false", "0", "-1", "1", "8", "65536", "1e400", "nan",
                                   "inf", "0.5", "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z",
                                   "'literal'", "'''multi\nline'''", '"\\ud800"', '"\\x"'))
                | st.integers().map(str) | st.floats(allow_nan=False).map(repr))
toml_values = st.recursive(toml_scalars, lambda inner: (
    st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]")
    | st.lists(st.tuples(st.sampled_from(("url", "name", "a")), inner), max_size=2)
    .map(lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in dict(kv).items()) + "}")),
    max_leaves=6)


slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}", fullmatch=True)
http_urls = st.builds("{}://{}.org/{}".format, st.sampled_from(("http", "https")), slugs, slugs)
schedules = st.sampled_from(("1d", "30s", "6h", "0 6 * * *", "*/15 * * * *", "0 0 1 1 *",
                             "0 9 * * MON-FRI", "61 * * * *", "0"))
ignores = st.builds("{}:{}".format, st.sampled_from(("css", "xpath", "regex", "jq")),
                    st.sampled_from((".a", "#b > c", "//div[@id='x']", r"\d+", "[[[", "(", "")))
# Values that a key takes, mostly valid: documents then reach past the TOML parser into the
# validators (and sometimes validate whole).
KEY_VALUES = {
    "name": slugs, "urls": st.lists(http_urls, min_size=1, max_size=3),
    "spider": st.sampled_from(("generic", "unesco", "unicef", "undp", "bing")),
    "schedule": schedules, "ignore": st.lists(ignores, max_size=3),
    "countries": st.lists(slugs, max_size=2), "sections": st.lists(slugs, max_size=2),
    "max_pages": st.integers(-1, 2_000_000), "allowed_domains": st.lists(slugs, max_size=2),
    "languages": st.lists(st.sampled_from(("en", "fr", "zh-hans", "english", "")), max_size=2),
    "sitemaps": st.lists(http_urls, max_size=1), "organisation": st.text(max_size=10),
    "notify": st.lists(st.sampled_from(("json://u:p@h/x", "${PW_FUZZ_UNSET}", "")), max_size=2),
    "obey_robots": st.booleans(), "concurrency": st.integers(-1, 600),
    "per_domain_concurrency": st.integers(0, 70), "delay": st.floats(-1, 5, allow_nan=False),
    "timeout": st.floats(0, 60, allow_nan=False), "retries": st.integers(-1, 11),
    "max_bytes": st.integers(0, 10**8), "gone_after": st.integers(0, 101),
    "workers": st.sampled_from(("auto", 0, 2, 65, "many")), "user_agent": st.text(max_size=10),
    "digest": st.sampled_from(("run", "change", "daily", "weekly")),
    "kinds": st.lists(st.sampled_from(("new", "content", "metadata", "gone", "other")), max_size=3),
    "errors": st.booleans(), "subject": st.text(max_size=10), "host": st.text(max_size=10),
    "port": st.integers(-1, 70_000), "public_url": http_urls,
    "token": st.text(alphabet=string.ascii_letters, min_size=10, max_size=20),
    "enabled": st.booleans(), "queue": slugs, "pages_per_job": st.integers(0, 20_000),
    "database_url": st.just("postgresql://u@h/db"),
}


@st.composite
def toml_documents(draw: st.DrawFn) -> str:
    lines: list[str] = []
    sections = draw(st.lists(st.sampled_from((*SECTION_KEYS, "source", "source", "nope")),
                             max_size=5))
    if draw(st.integers(0, 3)):
        sections.append("source")
    tables = {s for s in sections if s != "source"}
    for section in [s for s in sections if s == "source"] + sorted(tables):
        keys = list(SOURCE_KEYS) if section == "source" else list(SECTION_KEYS.get(section, {}))
        lines.append("[[source]]" if section == "source" else f"[{section}]")
        chosen = draw(st.lists(st.sampled_from([*keys, "bogus"]), max_size=3, unique=True))
        if section == "source" and draw(st.integers(0, 3)):
            chosen = ["name", "urls", *chosen]
        for key in dict.fromkeys(chosen):
            known = KEY_VALUES.get(key)
            mostly_valid = known is not None and draw(st.integers(0, 3)) > 0
            lines.append(f"{key} = {_toml(draw(known)) if mostly_valid else draw(toml_values)}")
    text = "\n".join(lines) + "\n"
    for _ in range(draw(st.sampled_from((0, 0, 0, 1, 2)))):      # corrupt some a little
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(("", "[", "]", '"', "=", "\n", "\\", "{", "#")))\
            + text[at + draw(st.integers(0, 3)):]
    return text


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(toml_documents(), st.binary(max_size=8))
def test_any_toml_text_is_a_config_or_one_clean_config_error(tmp_path: Path, text: str,
                                                             noise: bytes) -> None:
    path = tmp_path / "profilewatch.toml"
    path.write_bytes(text.encode() + (noise if noise.startswith(b"\xff") else b""))
    try:
        config = load_config(path)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(str(path)) and "\n" not in message and "Traceback" not in message
        return
    assert isinstance(config, Config) and config.sources
    assert all(s.urls for s in config.sources)
