"""The archive as the web layer reads it: pages, versions, pairs to diff, citations.

A thin, read-only layer over :class:`storage.store.Store` shared by the Memento endpoints, the JSON
API and the UI, so all three resolve URLs, pick versions and build diffs the same way.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from pipeline.diff import TextDiff, diff_texts
from profilewatch.citation import citations, cite
from profilewatch.errors import NotFoundError, UsageError
from profilewatch.timeutil import parse_user_time
from storage.results import PageInfo, VersionInfo
from storage.store import Store


@dataclass(frozen=True, slots=True)
class Comparison:
    old: VersionInfo
    new: VersionInfo
    old_text: str
    new_text: str
    diff: TextDiff


def page_status(page: PageInfo) -> str:
    """``ok``, ``failing``, ``gone``, ``unchecked`` (never fetched) or ``unwatched`` (removed
    through the API: archived, no longer checked)."""
    if not page.watched:
        return "unwatched"
    if page.gone_at is not None:
        return "gone"
    if page.failing_since is not None:
        return "failing"
    if page.last_checked_at is None and page.versions == 0:
        return "unchecked"
    return "ok"


def second(moment: datetime) -> datetime:
    """A time to the second: the precision of Memento datetimes and of ``--at``."""
    return moment.astimezone(UTC).replace(microsecond=0)


def live_at(versions: list[VersionInfo], at: datetime) -> int:
    """Index of the version live at ``at`` (latest captured at or before it, to the second); the
    first version when ``at`` is before every capture."""
    stamps = [second(v.fetched_at) for v in versions]
    return max(bisect.bisect_right(stamps, second(at)) - 1, 0)


class Archive:
    """The store seen through the web: lookups that raise :class:`NotFoundError`."""

    def __init__(self, store: Store, public_url: str | None = None) -> None:
        self.store = store
        self.public_url = public_url.rstrip("/") if public_url else None

    def history(self, url: str) -> tuple[str, list[VersionInfo]]:
        """The page's canonical URL and versions; ``url`` is tried as given, then percent-decoded."""
        candidates = [url]
        if unquote(url) != url:
            candidates.append(unquote(url))
        for candidate in candidates:
            if self.store.has_page(candidate):
                versions = self.store.history(candidate)
                return (versions[0].url if versions else candidate), versions
        raise NotFoundError(f"{url} is not a watched page")

    def versions(self, url: str) -> list[VersionInfo]:
        _, versions = self.history(url)
        if not versions:
            raise NotFoundError(f"{url} has no version yet")
        return versions

    def version(self, url: str, number: int | None = None, at: str | None = None) -> VersionInfo:
        """Version ``number``, the one live at ``at`` (user time syntax), or the latest."""
        if number is not None and at is not None:
            raise UsageError("give version or at, not both")
        versions = self.versions(url)
        if number is not None:
            for v in versions:
                if v.version == number:
                    return v
            raise NotFoundError(f"{url} has no version {number} (versions 1-{versions[-1].version})")
        if at is not None:
            moment = parse_user_time(at)
            if second(versions[0].fetched_at) > second(moment):
                raise NotFoundError(f"{url} has no version at or before {at}")
            return versions[live_at(versions, moment)]
        return versions[-1]

    def compare(self, url: str, from_n: int | None = None, to_n: int | None = None) -> Comparison:
        """Two versions and their diff; default the last two (or the version before ``to_n``)."""
        versions = self.versions(url)
        by_number = {v.version: v for v in versions}
        to_n = versions[-1].version if to_n is None else to_n
        if from_n is None:
            earlier = [v.version for v in versions if v.version < to_n]
            from_n = earlier[-1] if earlier else to_n
        for n in (from_n, to_n):
            if n not in by_number:
                raise NotFoundError(f"{url} has no version {n} (versions 1-{versions[-1].version})")
        old, new = by_number[from_n], by_number[to_n]
        old_text, new_text = self.store.text(old), self.store.text(new)
        diff = diff_texts(old_text, new_text, frozenset(old.headings) | frozenset(new.headings))
        return Comparison(old, new, old_text, new_text, diff)

    def citations(self, version: VersionInfo) -> dict[str, str]:
        return citations(version, self.public_url, self.store)

    def citation(self, version: VersionInfo, style: str) -> str:
        try:
            return cite(version, style, self.public_url, self.store)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    def latest(self) -> dict[str, VersionInfo]:
        """Each page's latest version (pages without one are absent)."""
        return self.store.latest_versions()


def int_param(value: str | None, name: str, *, minimum: int = 0, maximum: int | None = None,
              default: int | None = None) -> int | None:
    """A query parameter as an integer in range, or :class:`UsageError` naming it."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{name} must be an integer, not {value!r}") from None
    if number < minimum or (maximum is not None and number > maximum):
        upper = f"..{maximum}" if maximum is not None else " or more"
        raise UsageError(f"{name} must be {minimum}{upper}, not {number}")
    return number


def version_links(base: str, version: VersionInfo) -> dict[str, Any]:
    """Where a version lives on this server (for the API and the UI)."""
    stamp = version.fetched_at.strftime("%Y%m%d%H%M%S")
    query = f"url={quote(version.url, safe='')}&version={version.version}"
    return {"memento": f"{base}/web/{stamp}/{version.url}",
            "raw": f"{base}/web/{stamp}id_/{version.url}",
            "api": f"{base}/api/version?{query}",
            "ui": f"{base}/version?{query}"}
