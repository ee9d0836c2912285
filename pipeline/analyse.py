"""The pure pipeline for one fetch: ``analyse_fetch(Fetched, Profile) -> Analysis``.

Stages, in order (each may end the pipeline with a failed outcome and its reason):

1. transport — no HTTP response (timeout, reset, robots, too large): failed, reason from the crawler;
2. status — 304 is *not modified*, 404/410 *missing* (counts toward ``gone``), other non-2xx failed;
3. response screen — empty body, non-HTML media type;
4. decode — BOM, HTTP charset, ``<meta charset>``, UTF-8, detection; undecodable is failed;
5. truncation — an HTML document cut short is failed;
6. parse — once, with lxml; every later stage reads this tree;
7. metadata — title, language, page-declared date, site fields (read before pruning edits the tree);
8. prune and read tables (:func:`pipeline.tables.page.prune_reading_tables`), in this order:
   a. the source's ``css:``/``xpath:`` ignores are removed;
   b. every table is found and classified, layout or data, on the whole page (one rule:
      :func:`pipeline.tables.html.layout_reason`; menus and links are still there to tell by);
   c. boilerplate elements are removed (:func:`pipeline.extract.prune_boilerplate`);
   d. the data tables left are read, cell by cell;
   e. the layout tables left are flattened into blocks, the only place they are unwrapped
      (:mod:`pipeline.layout`), then link blocks settled (:mod:`pipeline.linkblocks`), so the
      main text reads a table-laid-out page as prose;
9. main text — trafilatura on what is left (the tables whose cells it holds are the page's);
10. text clean-up — ``regex:`` ignores, "Last modified" lines, counters and relative times
    removed, then normalisation;
11. page screen — bot challenge, maintenance, error and "not in this language" pages are failed;
    then the not-the-page rule (:mod:`pipeline.identity`): a login, consent, chooser, home, search
    or listing page, or another document a redirect landed on, is failed with what it is;
12. fingerprint — SHA-256 of the normalised text (and of the raw body, for storage).

No Scrapy, no database: plain data in, plain data out, safe to run in a worker process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache

from pipeline.declared import strip_declared_lines
from pipeline.decode import UndecodableBody, decode_body
from pipeline.extract import (
    ExtractionError,
    extract_h1,
    extract_language,
    extract_main_text,
    extract_site_name,
    extract_title,
    parse_html,
)
from pipeline.fingerprint import body_sha256, text_sha256
from pipeline.identity import PreviousPage, judge_page, read_identity
from pipeline.ignore import IgnoreFilter, compile_ignores
from pipeline.interstitial import page_kind, read_signals
from pipeline.normalize import normalize_text, normalize_title, strip_volatile
from pipeline.requisites import document_references
from pipeline.screen import looks_truncated, screen_page, screen_response
from pipeline.sites import site_profile
from pipeline.stagetimes import laps
from pipeline.status import early_outcome, failed
from pipeline.tables.page import in_main_text, prune_reading_tables
from pipeline.treeindex import indexed
from pipeline.types import Analysis, Extracted, Fetched, Outcome, Profile

logger = logging.getLogger(__name__)


@lru_cache(maxsize=256)
def _compiled(specs: tuple[str, ...]) -> tuple[IgnoreFilter, ...]:
    return compile_ignores(specs)


def _no_text() -> str | None:
    return None


def analyse_fetch(fetched: Fetched, profile: Profile, previous: PreviousPage | None = None,
                  previous_text: Callable[[], str | None] = _no_text, *,
                  references: bool = False) -> Analysis:
    """Run stages 1-12 of the module docstring on one fetch.

    ``previous`` is what the store knows of the page's last version (None: no version yet) and
    ``previous_text`` reads that version's text, for the not-the-page rule (stage 11).
    ``references``: read the page's requisites from the parsed tree (before stage 8 edits it)."""
    clock = laps()   # per-stage CPU timers, off unless a benchmark asks (pipeline.stagetimes)
    # 1. transport, 2. status
    early = early_outcome(fetched)
    if early is not None:
        return early
    status = fetched.status
    content_type = fetched.headers.get("content-type")
    # 3. response screen
    rejected = screen_response(status, content_type, fetched.body)
    if rejected:
        return failed(rejected, fetched)
    digest = body_sha256(fetched.body)
    clock.lap("screen+body hash")
    # 4. decode
    try:
        decoded = decode_body(fetched.body, content_type)
    except UndecodableBody as exc:
        return failed(str(exc), fetched, body_sha256=digest)
    # 5. truncation
    if looks_truncated(decoded.text):
        return failed("truncated body", fetched, body_sha256=digest, encoding=decoded.encoding)
    clock.lap("decode")
    # 6. parse
    try:
        tree = parse_html(decoded.text)
    except ExtractionError as exc:
        return failed(str(exc), fetched, body_sha256=digest, encoding=decoded.encoding)
    clock.lap("parse")
    final_url = fetched.final_url or fetched.url
    requisites = (tuple((r.url, r.kind) for r in document_references(tree, final_url))
                  if references else None)
    clock.lap("requisites")
    # 7. metadata (the readers only read the tree: they share one walk for their tags)
    site = site_profile(profile.site)
    with indexed(tree):
        title = normalize_title(extract_title(tree))
        language = extract_language(tree)
        clock.lap("metadata")
        declared = site.declared_date(tree)
        clock.lap("date reading")
        hints = dict(fetched.hints)
        if profile.organisation:
            hints.setdefault("organisation", profile.organisation)
        metadata = site.metadata(tree, fetched.url, hints)
        h1 = extract_h1(tree)
        for key, value in (("h1", h1), ("site_name", extract_site_name(tree))):
            if value:
                metadata.setdefault(key, value)
        clock.lap("metadata")
        identity = read_identity(tree, final_url, title, h1, language)
        signals = read_signals(tree, final_url, title, h1)
        clock.lap("identity")
    # 8. prune
    ignores = _compiled(profile.ignores)
    root, tables = prune_reading_tables(tree, ignores)     # prune_boilerplate, tables read around it
    clock.lap("pruning")
    # 9. main text
    raw_text, headings = extract_main_text(root)
    clock.lap("trafilatura")
    # 10. text clean-up
    for ignore in ignores:
        raw_text = ignore.apply_to_text(raw_text)
    text = normalize_text(strip_volatile(strip_declared_lines(raw_text)))
    clock.lap("normalisation")
    # 11. page screen
    reason = screen_page(decoded.text, title, text) or site.no_content_reason(text)
    if reason is None or reason == "no main text":
        kind = page_kind(signals, text)
        reason = judge_page(fetched.url, identity, kind, text, previous, previous_text) or reason
    clock.lap("page screen")
    if reason:
        return failed(reason, fetched, body_sha256=digest, encoding=decoded.encoding)
    # 12. fingerprint
    extracted = Extracted(
        text=text,
        text_sha256=text_sha256(text),
        title=title,
        language=language,
        declared=declared,
        headings=tuple(normalize_title(h) or h for h in headings),
        metadata=metadata,
        tables=in_main_text(tables, text),
    )
    clock.lap("fingerprint")
    return Analysis(Outcome.OK, extracted=extracted, body_sha256=digest, content_type=content_type,
                    encoding=decoded.encoding, timings=tuple(clock.laps), requisites=requisites)
