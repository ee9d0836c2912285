"""The web UI: server-rendered HTML (Jinja2, autoescaped), no JavaScript.

Pages: ``/`` watched pages with last change and status → ``/page?url=`` the page's timeline of
versions and events → ``/version?url=&version=`` one version's text, declared date and citations
→ ``/diff?url=&from=&to=`` word-level and side-by-side diff → ``/archived?url=&version=`` the
archived page in a sandboxed frame (no scripts, no live resources).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from profilewatch.citation import STYLES
from profilewatch.diffs.marks import words_html
from profilewatch.diffs.sidebyside import side_by_side
from profilewatch.diffs.tables import changed_tables
from profilewatch.errors import UsageError
from profilewatch.web.archive import Archive, int_param, page_status
from profilewatch.web.memento import stamp
from storage.results import EventInfo, VersionInfo, iso

PAGE_SIZE = 100
STYLE_NAMES = {"apa": "APA 7", "mla": "MLA 9", "chicago": "Chicago 18 (bibliography)",
               "bibtex": "BibLaTeX", "csl-json": "CSL-JSON"}


def _when(moment: datetime | None) -> Markup:
    if moment is None:
        return Markup("—")
    value = iso(moment) or ""
    return Markup('<time datetime="{}">{}</time>').format(value, value.replace("T", " ")
                                                          .replace("Z", " UTC"))


def _q(url: str, **params: Any) -> str:
    return "?" + urlencode({"url": url, **{k: v for k, v in params.items() if v is not None}})


def make_environment() -> Environment:
    env = Environment(loader=PackageLoader("profilewatch.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    env.globals.update(qs=_q, quote=quote, stamp=stamp, STYLE_NAMES=STYLE_NAMES)
    return env


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    env: Environment = request.app.state.templates
    html = env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code)


def _url(request: Request) -> str:
    url = request.query_params.get("url")
    if not url:
        raise UsageError("the url parameter is required")
    return url


def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    version: VersionInfo | None
    event: EventInfo | None


def page_list(request: Request) -> Response:
    archive = _archive(request)
    params = request.query_params
    source = params.get("source") or None
    needle = (params.get("q") or "").strip().casefold()
    offset = int_param(params.get("offset"), "offset", default=0) or 0
    # one screen read from the store, not every page (100,000 pages: see docs/scaling.md)
    found, total = archive.store.page_list(source, needle, offset, PAGE_SIZE)
    shown = [{"page": page, "title": title, "status": page_status(page)} for page, title in found]
    sources = [s["name"] for s in archive.store.sources()]
    more = {k: v for k, v in params.items() if k != "offset"}
    return render(request, "pages.html", rows=shown, total=total, offset=offset,
                  page_size=PAGE_SIZE, sources=sources, source=source, q=params.get("q") or "",
                  prev_query=urlencode({**more, "offset": max(offset - PAGE_SIZE, 0)}),
                  next_query=urlencode({**more, "offset": offset + PAGE_SIZE}))


def page_timeline(request: Request) -> Response:
    archive = _archive(request)
    url, versions = archive.history(_url(request))
    events = archive.store.events(url=url)
    by_number = {v.version: v for v in versions}
    entries = [TimelineEntry(e.detected_at, e.kind, by_number.get(e.to_version or 0), e)
               for e in events]
    covered = {e.to_version for e in events}
    entries += [TimelineEntry(v.fetched_at, "capture", v, None) for v in versions
                if v.version not in covered]
    entries.sort(key=lambda entry: (entry.at, entry.event.id if entry.event else 0), reverse=True)
    page = archive.store.page_info(url)     # one page, not the whole list
    return render(request, "page.html", url=url, versions=versions, entries=entries, page=page,
                  status=page_status(page) if page else "unchecked",
                  title=versions[-1].title if versions else None,
                  linked_from=archive.store.linked_from([url]).get(url))   # a linked document


def version_view(request: Request) -> Response:
    archive = _archive(request)
    params = request.query_params
    number = int_param(params.get("version"), "version", minimum=1)
    version = archive.version(_url(request), number, params.get("at") or None)
    versions = archive.versions(version.url)
    text = archive.store.text(version)
    headings = frozenset(version.headings)
    blocks = [(line in headings, line) for line in text.split("\n") if line.strip()]
    return render(request, "version.html", v=version, versions=versions, blocks=blocks,
                  citations=archive.citations(version), styles=STYLES,
                  has_public_url=archive.public_url is not None)


def diff_view(request: Request) -> Response:
    archive = _archive(request)
    params = request.query_params
    url = _url(request)
    comparison = archive.compare(url, int_param(params.get("from"), "from", minimum=1),
                                 int_param(params.get("to"), "to", minimum=1))
    words = [(hunk.section, Markup(words_html("\n".join(hunk.old), "\n".join(hunk.new))))
             for hunk in comparison.diff.hunks]
    tables = changed_tables(archive.store.tables(comparison.old), archive.store.tables(comparison.new))
    return render(request, "diff.html", c=comparison, versions=archive.versions(url), words=words,
                  rows=side_by_side(comparison.old_text, comparison.new_text, comparison.diff),
                  tables=tables)


def archived_view(request: Request) -> Response:
    archive = _archive(request)
    params = request.query_params
    number = int_param(params.get("version"), "version", minimum=1)
    version = archive.version(_url(request), number, params.get("at") or None)
    return render(request, "archived.html", v=version)


ROUTES = [
    Route("/", page_list, methods=["GET", "HEAD"]),
    Route("/page", page_timeline, methods=["GET", "HEAD"]),
    Route("/version", version_view, methods=["GET", "HEAD"]),
    Route("/diff", diff_view, methods=["GET", "HEAD"]),
    Route("/archived", archived_view, methods=["GET", "HEAD"]),
]
