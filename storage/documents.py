"""Linked documents in the store: document pages (``pages.kind = "document"``) and the pages that
link them (``document_links``). A link is kept when the page stops showing it: the document stays
watched and still names the pages it was linked from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import DocumentLinkRow, PageRow, SourceRow
from storage.results import EventInfo

DOCUMENT = "document"


def link_documents(session: Session, source: str, page_url: str, documents: Sequence[str],
                   now: datetime) -> list[str]:
    """Record that ``page_url`` links ``documents``; returns the documents new to the store.

    A document URL another source watches stays that source's (no link is recorded)."""
    source_row = session.scalars(select(SourceRow).where(SourceRow.name == source)).one()
    page = session.scalars(select(PageRow).where(PageRow.url == page_url)).first()
    if page is None or not documents:
        return []
    existing = {p.url: p for p in session.scalars(select(PageRow).where(PageRow.url.in_(list(documents))))}
    new: list[str] = []
    for url in dict.fromkeys(documents):
        document = existing.get(url)
        if document is None:
            document = PageRow(source_id=source_row.id, url=url, discovered_at=now,
                               discovered_via="document link", last_listed_at=now,
                               info={"discovered_from": page_url}, kind=DOCUMENT)
            session.add(document)
            session.flush()
            new.append(url)
        elif document.source_id != source_row.id or document.id == page.id:
            continue
        elif document.kind != DOCUMENT:
            document.kind = DOCUMENT
        link = session.scalars(select(DocumentLinkRow).where(
            DocumentLinkRow.document_id == document.id, DocumentLinkRow.page_id == page.id)).first()
        if link is None:
            session.add(DocumentLinkRow(document_id=document.id, page_id=page.id,
                                        first_seen_at=now, last_seen_at=now))
        else:
            link.last_seen_at = now
    session.flush()
    return new


def document_urls(session: Session, source: str) -> set[str]:
    """The watched documents of ``source``."""
    query = (select(PageRow.url).join(SourceRow, PageRow.source_id == SourceRow.id)
             .where(SourceRow.name == source, PageRow.kind == DOCUMENT))
    return set(session.scalars(query))


def linked_from(session: Session, urls: Sequence[str]) -> dict[str, list[str]]:
    """For each document among ``urls``: the pages that link (or linked) it, first found first.
    Pages that are not documents are absent."""
    if not urls:
        return {}
    documents = {p.id: p.url for p in session.scalars(
        select(PageRow).where(PageRow.url.in_(list(set(urls))), PageRow.kind == DOCUMENT))}
    out: dict[str, list[str]] = {url: [] for url in documents.values()}
    if not documents:
        return out
    linking = (select(DocumentLinkRow.document_id, PageRow.url)
               .join(PageRow, DocumentLinkRow.page_id == PageRow.id)
               .where(DocumentLinkRow.document_id.in_(list(documents)))
               .order_by(DocumentLinkRow.first_seen_at, DocumentLinkRow.id))
    for document_id, page_url in session.execute(linking):
        out[documents[document_id]].append(page_url)
    return out


def with_documents(session: Session, events: list[EventInfo]) -> list[EventInfo]:
    """``events`` with ``document`` and ``linked_from`` filled in (one query for all of them)."""
    links = linked_from(session, [e.url for e in events])
    if not links:
        return events
    return [replace(e, document=True, linked_from=tuple(links[e.url])) if e.url in links else e
            for e in events]
