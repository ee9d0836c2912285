"""The tables of stored versions (issue 16): read from ``versions.tables``, or computed once from
the archived capture for versions recorded before tables were kept. Functions take a Session; the
recorder passes a page's latest tables to :func:`pipeline.transition.transition` (which diffs them
on a ``content`` change) and :class:`storage.store.Store` exposes the reads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.tables import Table
from storage.blobstore import read_blob
from storage.codecs import BlobCodecError
from storage.models import PageRow, VersionRow

logger = logging.getLogger(__name__)


def tables_json(tables: Sequence[Table] | None) -> list[dict[str, Any]]:
    """What ``versions.tables`` holds (``[]`` for a page without tables or not HTML)."""
    return [t.as_json() for t in tables or ()]


def version_tables(session: Session, version_id: int, *, ignores: Sequence[str] = (),
                   keep: bool = True) -> tuple[Table, ...]:
    """The tables of one version; computed from its capture (and, with ``keep``, stored) when the
    version was recorded before tables were kept. A pruned or unreadable capture has none."""
    row = session.execute(select(VersionRow.tables, VersionRow.body_sha256,
                                 VersionRow.content_sha256, VersionRow.content_type)
                          .where(VersionRow.id == version_id)).one()
    if row.tables is not None:
        return tuple(Table.from_json(t) for t in row.tables)
    try:
        body = read_blob(session, row.body_sha256)
        text = read_blob(session, row.content_sha256).decode("utf-8")
    except (LookupError, ValueError, BlobCodecError) as exc:     # a pruned capture: nothing to read again
        logger.info("version %s: no capture to read tables from (%s)", version_id, exc)
        return ()
    # local: the extraction stack (trafilatura, lxml) loads only for a version without its tables
    from pipeline.tables.page import tables_from_capture

    tables = tables_from_capture(body, row.content_type, text, ignores) or ()
    if keep:
        session.execute(update(VersionRow).where(VersionRow.id == version_id)
                        .values(tables=tables_json(tables)))
    return tables


def tables_of(session: Session, url: str, number: int, *,
              ignores: Sequence[str] = ()) -> tuple[Table, ...]:
    """The tables of version ``number`` of the page stored under ``url``."""
    version_id = session.scalars(select(VersionRow.id).join(PageRow, PageRow.id == VersionRow.page_id)
                                 .where(PageRow.url == url, VersionRow.number == number)).one()
    return version_tables(session, version_id, ignores=ignores)
