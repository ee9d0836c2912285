"""Which requisite contents ``prune`` may drop (issue 17 with issue 14's requisites).

A requisite capture (``requisite_captures``) is shown by the versions that list it
(``version_requisites``), and — by replay's rule "the copy captured with the version, else the
nearest earlier one" (:meth:`storage.requisites.RequisiteStore.resolve`) — by any version that has
no copy of its own of that URL and was captured after it, before the URL's next copy.

A capture's content may go when every version listing it is pruned (superseded before TIME, now
or by an earlier prune) and no kept version could pick it as its nearest earlier copy: no kept
version without content of its own for that URL falls in ``[its time, the URL's next copy)``.
That second rule does not know which URLs a kept version's page references (it would have to
parse every kept page), so it keeps the copy for any kept version in that range: it may keep more
than needed, never less. Captures listed by no version (a run killed between writing a capture and
its version's list) stay.

Blobs are shared by content: a digest goes only when none of the captures holding it stays (and
nothing else kept — a page body, a text — holds it: :mod:`storage.prune` checks that).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import BlobRow, RequisiteCaptureRow, VersionRequisiteRow, VersionRow

PRUNED_CODEC = "pruned"     # as storage.prune's (which imports this module)


@dataclass(frozen=True, slots=True)
class RequisitePlan:
    candidates: frozenset[str]     # digests of captures only pruned versions show
    protected: frozenset[str]      # digests of captures something kept shows


def plan_requisites(session: Session, pruned: set[int]) -> RequisitePlan:
    """The requisite digests that may go and those that must stay, when the versions ``pruned``
    (their ids: pruned now or before) lose their captures."""
    kept_use: dict[int, bool] = {}                 # capture id → listed by a kept version
    own: set[tuple[int, int]] = set()              # (kept version id, capture id) pairs
    lists = session.execute(select(VersionRequisiteRow.version_id, VersionRequisiteRow.capture_id)
                            .execution_options(yield_per=10_000))
    for version_id, capture_id in lists:
        kept = version_id not in pruned
        kept_use[capture_id] = kept_use.get(capture_id, False) or kept
        if kept:
            own.add((version_id, capture_id))
    if not kept_use:
        return RequisitePlan(frozenset(), frozenset())
    # captures with content, per URL in time order
    by_url: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
    rows = session.execute(
        select(RequisiteCaptureRow.url_id, RequisiteCaptureRow.fetched_at, RequisiteCaptureRow.id,
               RequisiteCaptureRow.sha256)
        .join(BlobRow, BlobRow.sha256 == RequisiteCaptureRow.sha256)
        .where(BlobRow.codec != PRUNED_CODEC).execution_options(yield_per=10_000))
    for url_id, fetched_at, capture_id, digest in rows:
        by_url[url_id].append((fetched_at, capture_id, str(digest)))
    # kept versions in time order, and which URLs each has content of its own for
    kept_versions = sorted((fetched_at, version_id) for version_id, fetched_at in session.execute(
        select(VersionRow.id, VersionRow.fetched_at).where(VersionRow.capture_pruned_at.is_(None)))
        if version_id not in pruned)
    times = [t for t, _ in kept_versions]
    url_of = {capture_id: url_id for url_id, copies in by_url.items()
              for _, capture_id, _ in copies}
    has_own: set[tuple[int, int]] = {(version_id, url_of[capture_id])
                                     for version_id, capture_id in own if capture_id in url_of}
    candidates: set[str] = set()
    protected: set[str] = set()
    for url_id, copies in by_url.items():
        copies.sort()
        for index, (fetched_at, capture_id, digest) in enumerate(copies):
            use = kept_use.get(capture_id)
            if use is None or use:              # unlisted, or shown by a kept version
                protected.add(digest)
                continue
            # the URL's next copy (one of the same second may be picked either way: not it)
            end = next((t for t, _, _ in copies[index + 1:] if t > fetched_at), None)
            if _nearest_for_kept(kept_versions, times, fetched_at, end, url_id, has_own):
                protected.add(digest)
            else:
                candidates.add(digest)
    return RequisitePlan(frozenset(candidates), frozenset(protected))


def _nearest_for_kept(kept: list[tuple[datetime, int]], times: list[datetime], start: datetime,
                      end: datetime | None, url_id: int, has_own: set[tuple[int, int]]) -> bool:
    """Whether a kept version captured in ``[start, end)`` has no copy of its own of the URL
    (it would show this one)."""
    for index in range(bisect_left(times, start), len(kept)):
        fetched_at, version_id = kept[index]
        if end is not None and fetched_at >= end:
            return False
        if (version_id, url_id) not in has_own:
            return True
    return False
