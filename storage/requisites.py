"""Page requisites in the store (issue 14): what each version needs to render, stored once.

Three tables (see :mod:`storage.models`):

- ``requisite_urls`` — one row per URL: the validators of its last good response (for conditional
  requests) and the digest of that content;
- ``requisite_captures`` — one row per fetch of a URL in a run: the content's digest (a blob in
  ``blobs``, shared with every other capture of identical bytes) and media type, or the reason it
  failed. A URL is fetched once per run, so every version of that run that needs it shares the row;
- ``version_requisites`` — the per-version list: which captures a version was captured with.

Reading a version's requisite for replay (:meth:`RequisiteStore.resolve`): the capture made with
that version when it holds content, else the nearest earlier capture of the same URL (by any page)
at or before the version's time, else nothing — the reference is then removed, never loaded live.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from profilewatch.errors import NotFoundError
from storage.blobstore import insert_blob, read_blob
from storage.codecs import compress
from storage.models import (
    BlobRow,
    PageRow,
    RequisiteCaptureRow,
    RequisiteUrlRow,
    VersionRequisiteRow,
    VersionRow,
)
from storage.prune import PRUNED_CODEC
from storage.sessions import StoreSessions

logger = logging.getLogger(__name__)

# At most this many URLs per IN (...) query (SQLite's bound-parameter limit is 32766; PostgreSQL's
# 65535; small batches keep plans simple).
IN_BATCH = 500


@dataclass(frozen=True, slots=True)
class KnownRequisite:
    """What the store knows of a requisite URL before fetching it again."""

    url: str
    etag: str | None
    http_last_modified: str | None
    sha256: str | None
    media_type: str | None


@dataclass(frozen=True, slots=True)
class RequisiteFetch:
    """One requisite fetched (or failed) in a run, ready to store.

    ``body`` is the content when new bytes arrived; a 304 (or a copy the run already holds) gives
    ``sha256`` of content already stored and no body. ``sha256`` None means it failed: ``reason``.
    """

    url: str
    fetched_at: datetime
    status: int | None = None
    sha256: str | None = None
    media_type: str | None = None
    size: int | None = None
    reason: str | None = None
    body: bytes | None = None
    etag: str | None = None
    http_last_modified: str | None = None


# A version's requisite list to store: the version (row id, or page URL and number) and its
# captures (stored ids, or fetches stored in the same call).
VersionList = tuple[int | tuple[str, int], Sequence["int | RequisiteFetch"]]


@dataclass(frozen=True, slots=True)
class RequisiteCopy:
    """A requisite as a version shows it."""

    url: str
    fetched_at: datetime
    status: int | None
    sha256: str | None
    media_type: str | None
    size: int | None
    reason: str | None
    with_version: bool          # captured with the version itself (else an earlier copy)

    def as_json(self) -> dict[str, object]:
        return {"url": self.url, "fetched_at": self.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "http_status": self.status, "sha256": self.sha256, "media_type": self.media_type,
                "size": self.size, "reason": self.reason, "with_version": self.with_version}


def _copy(url: str, row: RequisiteCaptureRow, with_version: bool) -> RequisiteCopy:
    return RequisiteCopy(url, row.fetched_at, row.http_status, row.sha256, row.media_type,
                         row.size, row.reason, with_version)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), IN_BATCH):
        yield items[start:start + IN_BATCH]


class RequisiteStore:
    """Requisites over a :class:`storage.store.Store`'s engine (the only door to their tables)."""

    def __init__(self, store: StoreSessions) -> None:
        self.store = store
        self.engine = store.engine

    # --- capture --------------------------------------------------------------------------------

    def known(self, urls: Iterable[str]) -> dict[str, KnownRequisite]:
        wanted = list(dict.fromkeys(urls))
        out: dict[str, KnownRequisite] = {}
        if not wanted:
            return out
        with self.store._read() as s:
            for chunk in _chunks(wanted):
                for row in s.scalars(select(RequisiteUrlRow).where(RequisiteUrlRow.url.in_(chunk))):
                    out[row.url] = KnownRequisite(row.url, row.etag, row.http_last_modified,
                                                  row.sha256, row.media_type)
        return out

    def blob_size(self, sha256: str) -> int | None:
        """The size of stored content, None when it is not stored (never fetched, or pruned)."""
        with self.store._read() as s:
            size = s.scalar(select(BlobRow.size).where(BlobRow.sha256 == sha256,
                                                       BlobRow.codec != PRUNED_CODEC))
            return None if size is None else int(size)

    def save(self, fetches: Sequence[RequisiteFetch], run_id: int | None,
             version: tuple[str, int] | None, linked: Iterable[int] = ()) -> dict[str, int]:
        """Store ``fetches`` (blobs, validators, captures) and the list of ``version`` (page URL,
        number): the new captures plus the already stored ``linked`` ones. Returns the new capture
        ids by URL. One transaction."""
        lists: list[VersionList] = []
        if version is not None:
            lists.append((version, [*fetches, *linked]))
        ids = self.save_batch([(f, run_id) for f in fetches], lists)
        return {f.url: capture_id for f, capture_id in zip(fetches, ids, strict=True)}

    def save_batch(self, fetches: Sequence[tuple[RequisiteFetch, int | None]],
                   lists: Sequence[VersionList] = ()) -> list[int]:
        """Store ``fetches`` (each with its run) and the versions' lists, in one transaction.
        A list names its version by row id or (page URL, number), and its captures by id or by
        one of ``fetches`` (the same object). Returns the capture ids of ``fetches``, in order."""
        if not fetches and not lists:
            return []
        with self.store._write() as s:
            rows = {r.url: r for chunk in _chunks(list({f.url for f, _ in fetches}))
                    for r in s.scalars(select(RequisiteUrlRow).where(RequisiteUrlRow.url.in_(chunk)))}
            new_shas = list({f.sha256 for f, _ in fetches
                             if f.body is not None and f.sha256 is not None})
            stored = {d for chunk in _chunks(new_shas) for d in s.scalars(select(BlobRow.sha256).where(
                BlobRow.sha256.in_(chunk), BlobRow.codec != PRUNED_CODEC))}
            for fetch, _ in fetches:
                if fetch.body is not None and fetch.sha256 is not None \
                        and fetch.sha256 not in stored:       # identical bytes: stored once
                    stored.add(fetch.sha256)
                    codec, payload = compress(fetch.body)
                    if len(payload) >= len(fetch.body):      # images and fonts: already compressed
                        codec, payload = "raw", fetch.body
                    insert_blob(s, fetch.sha256, fetch.body, codec=codec, payload=payload,
                                now=fetch.fetched_at)
                row = rows.get(fetch.url)
                if row is None:
                    row = RequisiteUrlRow(url=fetch.url)
                    s.add(row)
                    rows[fetch.url] = row
                if fetch.sha256 is not None:
                    if fetch.status != 304:
                        row.etag, row.http_last_modified = fetch.etag, fetch.http_last_modified
                    row.sha256, row.media_type = fetch.sha256, fetch.media_type
                row.checked_at = fetch.fetched_at
            s.flush()
            captures = [RequisiteCaptureRow(
                url_id=rows[fetch.url].id, run_id=run_id, fetched_at=fetch.fetched_at,
                http_status=fetch.status, sha256=fetch.sha256, media_type=fetch.media_type,
                size=fetch.size, reason=fetch.reason) for fetch, run_id in fetches]
            s.add_all(captures)
            s.flush()
            ids = [int(c.id) for c in captures]
            by_fetch = {id(f): capture_id for (f, _), capture_id in zip(fetches, ids, strict=True)}
            links: list[dict[str, int]] = []
            for version, members in lists:
                version_id = version if isinstance(version, int) else _version_id(s, *version)
                chosen = dict.fromkeys(m if isinstance(m, int) else by_fetch[id(m)]
                                       for m in members)
                links.extend({"version_id": version_id, "capture_id": c} for c in chosen)
            if links:
                s.execute(insert(VersionRequisiteRow), links)
        return ids

    # --- replay ---------------------------------------------------------------------------------

    def listing(self, url: str, number: int) -> list[RequisiteCopy]:
        """The version's own list, in URL order."""
        with self.store._read() as s:
            version_id = _version_id(s, url, number)
            query = (select(RequisiteUrlRow.url, RequisiteCaptureRow)
                     .join(RequisiteCaptureRow, RequisiteCaptureRow.url_id == RequisiteUrlRow.id)
                     .join(VersionRequisiteRow,
                           VersionRequisiteRow.capture_id == RequisiteCaptureRow.id)
                     .where(VersionRequisiteRow.version_id == version_id)
                     .order_by(RequisiteUrlRow.url))
            return [_copy(u, row, True) for u, row in s.execute(query)]

    def version_id(self, url: str, number: int) -> int:
        """The key of a version in requisite URLs (raises :class:`NotFoundError`)."""
        with self.store._read() as s:
            return _version_id(s, url, number)

    def resolve(self, version_id: int, wanted: Iterable[str]) -> dict[str, RequisiteCopy]:
        """The copy each of ``wanted`` shows in version ``version_id``: the version's own capture
        when it has content, else the nearest earlier capture with content (by any page, at or
        before the version's time); URLs with neither are absent. Content emptied by ``prune``
        does not count."""
        wanted = list(dict.fromkeys(wanted))
        out: dict[str, RequisiteCopy] = {}
        with self.store._read() as s:
            version = s.get(VersionRow, version_id)
            if version is None:
                raise NotFoundError(f"no version {version_id}")
            own = (select(RequisiteUrlRow.url, RequisiteCaptureRow)
                   .join(RequisiteCaptureRow, RequisiteCaptureRow.url_id == RequisiteUrlRow.id)
                   .join(VersionRequisiteRow,
                         VersionRequisiteRow.capture_id == RequisiteCaptureRow.id)
                   .join(BlobRow, BlobRow.sha256 == RequisiteCaptureRow.sha256)
                   .where(VersionRequisiteRow.version_id == version.id,
                          BlobRow.codec != PRUNED_CODEC))
            for u, row in s.execute(own):
                out[u] = _copy(u, row, True)
            missing = [u for u in wanted if u not in out]
            url_ids = {r.url: r.id for chunk in _chunks(missing) for r in
                       s.scalars(select(RequisiteUrlRow).where(RequisiteUrlRow.url.in_(chunk)))}
            for u, url_id in url_ids.items():
                earlier = s.scalars(select(RequisiteCaptureRow)
                                .join(BlobRow, BlobRow.sha256 == RequisiteCaptureRow.sha256)
                                .where(RequisiteCaptureRow.url_id == url_id,
                                       BlobRow.codec != PRUNED_CODEC,
                                       RequisiteCaptureRow.fetched_at <= version.fetched_at)
                                .order_by(RequisiteCaptureRow.fetched_at.desc())
                                .limit(1)).first()
                if earlier is not None:
                    out[u] = _copy(u, earlier, False)
        return out

    def content(self, sha256: str) -> bytes:
        with self.store._read() as s:
            try:
                return read_blob(s, sha256)
            except LookupError:
                raise NotFoundError(f"requisite content {sha256} is not stored") from None

    def all_captures(self) -> list[RequisiteCopy]:
        """Every capture holding content (not emptied by ``prune``), oldest first (for the WARC
        export)."""
        with self.store._read() as s:
            query = (select(RequisiteUrlRow.url, RequisiteCaptureRow)
                     .join(RequisiteCaptureRow, RequisiteCaptureRow.url_id == RequisiteUrlRow.id)
                     .join(BlobRow, BlobRow.sha256 == RequisiteCaptureRow.sha256)
                     .where(BlobRow.codec != PRUNED_CODEC)
                     .order_by(RequisiteCaptureRow.fetched_at, RequisiteCaptureRow.id))
            return [_copy(u, row, False) for u, row in s.execute(query)]

    def captures_of(self, versions: Iterable[tuple[str, int]]) -> list[RequisiteCopy]:
        """The captures holding content (not emptied by ``prune``) that ``versions`` (page URL,
        number) were captured with, each once, oldest first."""
        seen: dict[int, RequisiteCopy] = {}
        with self.store._read() as s:
            for url, number in versions:
                query = (select(RequisiteUrlRow.url, RequisiteCaptureRow)
                         .join(RequisiteCaptureRow,
                               RequisiteCaptureRow.url_id == RequisiteUrlRow.id)
                         .join(VersionRequisiteRow,
                               VersionRequisiteRow.capture_id == RequisiteCaptureRow.id)
                         .join(BlobRow, BlobRow.sha256 == RequisiteCaptureRow.sha256)
                         .where(VersionRequisiteRow.version_id == _version_id(s, url, number),
                                BlobRow.codec != PRUNED_CODEC))
                for u, row in s.execute(query):
                    seen.setdefault(row.id, _copy(u, row, False))
        return sorted(seen.values(), key=lambda c: (c.fetched_at, c.url))


def _version_id(s: Session, url: str, number: int) -> int:
    version_id = s.scalar(select(VersionRow.id).join(PageRow, PageRow.id == VersionRow.page_id)
                          .where(PageRow.url == url, VersionRow.number == number))
    if version_id is None:
        raise NotFoundError(f"{url} has no version {number}")
    return int(version_id)
