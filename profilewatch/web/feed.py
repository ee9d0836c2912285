"""The Atom feed of change events, global (``/feed.atom``) and per source (``/feed/{source}.atom``)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from profilewatch.reports.atom import atom_feed
from profilewatch.web.archive import Archive
from profilewatch.web.memento import base_url

ATOM = "application/atom+xml; charset=utf-8"


def feed(request: Request) -> Response:
    archive: Archive = request.app.state.archive
    source = request.path_params.get("source")
    if source is not None and source not in {s["name"] for s in archive.store.sources()}:
        raise HTTPException(404, f"no source named {source}")
    body = atom_feed(archive.store, source=source, base_url=base_url(request))
    return Response(body, media_type=ATOM)


ROUTES = [
    Route("/feed.atom", feed, methods=["GET", "HEAD"]),
    Route("/feed/{source}.atom", feed, methods=["GET", "HEAD"]),
]
