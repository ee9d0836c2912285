"""Memento (RFC 7089): TimeGate, mementos and TimeMap over the archive.

- ``/timegate/{URI-R}`` — 302 to the memento live at ``Accept-Datetime`` (the latest captured at
  or before it; the first when it is earlier than every capture; the latest without the header),
  ``Vary: accept-datetime``; 400 for an unparsable date, 404 for an unknown URL or one with no
  capture yet;
- ``/web/{YYYYMMDDhhmmss}/{URI-R}`` — the memento (replayed safely, with a banner), with
  ``Memento-Datetime`` and ``Link`` (original, timegate, timemap, first/prev/next/last with their
  datetimes); ``if_`` after the timestamp drops the banner (the UI's frame), ``id_`` serves the
  archived bytes as captured. A timestamp that is not a capture (or a shorter one, ``/web/2024/``,
  meaning the end of that period) redirects to the memento live then;
- ``/timemap/link/{URI-R}`` — every memento in ``application/link-format``.

A memento is a version; its datetime is the version's ``fetched_at`` to the second. The URI-R is
taken raw from the request path, plus the query string.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from profilewatch.errors import NotFoundError, UsageError
from profilewatch.web.archive import Archive, live_at, second
from profilewatch.web.replay import Banner
from profilewatch.web.requisites import replay_page
from profilewatch.web.security import RAW_CSP, etag_response, replay_csp
from storage.results import VersionInfo, iso

LINK_FORMAT = "application/link-format"
MEMENTO_PATH_RE = re.compile(r"^/web/(\d{4,14})(id_|if_)?/(.+)$", re.S)
# Stored response headers replayed as ``X-Archive-Orig-*`` (what the live server said).
ORIGINAL_HEADERS = ("last-modified", "etag", "date", "server", "content-language", "expires",
                    "cache-control")


def header_url(url: str) -> str:
    """A URL fit for a Link or Location header: non-ASCII and unsafe characters %-encoded."""
    return quote(url, safe="!#$%&'()*+,/:;=?@[]~")


def http_date(moment: datetime) -> str:
    return format_datetime(second(moment), usegmt=True)


def stamp(version: VersionInfo) -> str:
    return version.fetched_at.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def parse_accept_datetime(value: str) -> datetime:
    """An HTTP-date (RFC 1123); raises :class:`UsageError` when it is not one."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise UsageError(f"Accept-Datetime {value!r} is not an HTTP date "
                         "(e.g. Thu, 31 May 2007 20:35:00 GMT)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_timestamp(value: str) -> datetime:
    """``YYYY[MM[DD[hh[mm[ss]]]]]``; missing parts mean the end of the period given."""
    if len(value) % 2:
        raise UsageError(f"timestamp {value!r} must be YYYY, YYYYMM, … or YYYYMMDDhhmmss")
    parts = [int(value[i:i + 2]) for i in range(4, len(value), 2)]
    year = int(value[:4])
    month = parts[0] if len(parts) > 0 else 12
    try:
        last_day = calendar.monthrange(year, month)[1]
        day = parts[1] if len(parts) > 1 else last_day
        hour, minute, sec = (parts[2] if len(parts) > 2 else 23,
                             parts[3] if len(parts) > 3 else 59, parts[4] if len(parts) > 4 else 59)
        return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)
    except (ValueError, calendar.IllegalMonthError):
        raise UsageError(f"timestamp {value!r} is not a valid date") from None


def raw_target(request: Request, prefix: str) -> str:
    """The URI-R: the raw (undecoded) path after ``prefix``, plus the query string."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else quote(request.url.path, safe="/:@!$&'()*+,;=~%")
    target = path[len(prefix):]
    # proxies and browsers may collapse the "//" of an embedded scheme
    target = re.sub(r"^(https?):/(?!/)", r"\1://", target, flags=re.I)
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{target}?{query}" if query else target


class Memento:
    """URLs and headers of one page's mementos on this server."""

    def __init__(self, base: str, url: str, versions: list[VersionInfo]) -> None:
        self.base, self.url, self.versions = base, url, versions

    @property
    def original(self) -> str:
        return header_url(self.url)

    @property
    def timegate(self) -> str:
        return f"{self.base}/timegate/{self.original}"

    @property
    def timemap(self) -> str:
        return f"{self.base}/timemap/link/{self.original}"

    def uri(self, version: VersionInfo, mode: str = "") -> str:
        return f"{self.base}/web/{stamp(version)}{mode}/{self.original}"

    def _memento_link(self, index: int, rels: list[str]) -> str:
        version = self.versions[index]
        return (f'<{self.uri(version)}>; rel="{" ".join([*rels, "memento"])}"; '
                f'datetime="{http_date(version.fetched_at)}"')

    def links(self, selected: int | None = None) -> str:
        """Original, timegate, timemap, and first/prev/(selected)/next/last mementos."""
        out = [f'<{self.original}>; rel="original"', f'<{self.timegate}>; rel="timegate"',
               f'<{self.timemap}>; rel="timemap"; type="{LINK_FORMAT}"']
        last = len(self.versions) - 1
        shown = {0, last}
        if selected is not None:
            shown |= {i for i in (selected - 1, selected, selected + 1) if 0 <= i <= last}
        rels: dict[int, list[str]] = {}
        for i in shown:
            rels[i] = [name for name, applies in (
                ("first", i == 0),
                ("prev", selected is not None and i == selected - 1),
                ("next", selected is not None and i == selected + 1),
                ("last", i == last)) if applies]
        out += [self._memento_link(i, rels[i]) for i in sorted(rels)]
        return ", ".join(out)

    def timemap_body(self) -> str:
        first, last = self.versions[0], self.versions[-1]
        lines = [f'<{self.original}>; rel="original"', f'<{self.timegate}>; rel="timegate"',
                 f'<{self.timemap}>; rel="self"; type="{LINK_FORMAT}"; '
                 f'from="{http_date(first.fetched_at)}"; until="{http_date(last.fetched_at)}"']
        last_index = len(self.versions) - 1
        for index in range(len(self.versions)):
            rels = (["first"] if index == 0 else []) + (["last"] if index == last_index else [])
            lines.append(self._memento_link(index, rels))
        return ",\n".join(lines) + "\n"


def _memento_for(request: Request, prefix: str) -> Memento:
    archive: Archive = request.app.state.archive
    url, versions = archive.history(raw_target(request, prefix))
    if not versions:
        raise NotFoundError(f"{url} has no memento yet")
    return Memento(base_url(request), url, versions)


def _origin(request: Request) -> str:
    """The archive's origin as the browser sees it (scheme://host[:port]), for the replay policy."""
    parts = urlsplit(base_url(request))
    return f"{parts.scheme}://{parts.netloc}"


def base_url(request: Request) -> str:
    """The public base URL when configured (links survive a reverse proxy), else this request's."""
    archive: Archive = request.app.state.archive
    return archive.public_url or str(request.base_url).rstrip("/")


def timegate(request: Request) -> Response:
    accept = request.headers.get("accept-datetime")
    when = parse_accept_datetime(accept) if accept is not None else None
    memento = _memento_for(request, "/timegate/")
    index = live_at(memento.versions, when) if when else len(memento.versions) - 1
    chosen = memento.versions[index]
    return PlainTextResponse(
        f"Found: {memento.uri(chosen)}\n", status_code=302,
        headers={"Location": memento.uri(chosen), "Vary": "accept-datetime",
                 "Link": memento.links(index)})


def timemap(request: Request) -> Response:
    memento = _memento_for(request, "/timemap/link/")
    return etag_response(request, memento.timemap_body().encode(), LINK_FORMAT,
                         {"Link": f'<{memento.timemap}>; rel="self"; type="{LINK_FORMAT}"'})


def web(request: Request) -> Response:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    match = MEMENTO_PATH_RE.match(raw.decode("latin-1"))
    if match is None:
        raise UsageError("memento URLs look like /web/YYYYMMDDhhmmss/URL")
    when, mode = match.group(1), match.group(2) or ""
    moment = parse_timestamp(when)
    memento = _memento_for(request, f"/web/{when}{mode}/")
    index = live_at(memento.versions, moment)
    version = memento.versions[index]
    if stamp(version) != when:
        return PlainTextResponse(f"Found: {memento.uri(version, mode)}\n", status_code=302,
                                 headers={"Location": memento.uri(version, mode),
                                          "Link": memento.links(index)})
    archive: Archive = request.app.state.archive
    body = archive.store.body(version)
    stored = archive.store.headers(version)
    headers = {"Memento-Datetime": http_date(version.fetched_at), "Link": memento.links(index)}
    headers.update({f"X-Archive-Orig-{k.title()}": v for k, v in stored.items()
                    if k in ORIGINAL_HEADERS and v.isascii() and v.isprintable()})
    if mode == "id_" or version.metadata.get("document"):   # a linked document: its own file
        content_type = stored.get("content-type") or version.content_type or "text/html"
        headers["Content-Security-Policy"] = RAW_CSP
        headers["X-Frame-Options"] = "SAMEORIGIN"
        return etag_response(request, body, content_type, headers)
    page = f"/page?url={quote(memento.url, safe='')}"
    banner = None if mode == "if_" else Banner(version.title, memento.url, iso(version.fetched_at)
                                               or "", version.version, page)
    html = replay_page(archive.store, version, body,
                       stored.get("content-type") or version.content_type,
                       prefix=f"/web/{stamp(version)}{mode}/", banner=banner)
    headers["Content-Security-Policy"] = replay_csp(_origin(request))
    headers["X-Frame-Options"] = "SAMEORIGIN"
    return etag_response(request, html, "text/html; charset=utf-8", headers)


ROUTES = [
    Route("/timegate/{target:path}", timegate, methods=["GET", "HEAD"]),
    Route("/timemap/link/{target:path}", timemap, methods=["GET", "HEAD"]),
    Route("/web/{target:path}", web, methods=["GET", "HEAD"]),
]
