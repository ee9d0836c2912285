"""Requisites in the store: content once, per-version lists, and which copy a version shows."""

from __future__ import annotations

import hashlib

from storage.requisites import RequisiteFetch, RequisiteStore
from storage.store import Store
from tests.support.archive import DAY, add_sources, unesco_history

PAGE = "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology"
CSS = "https://education-profiles.org/css/site.css"
LOGO = "https://education-profiles.org/img/logo.png"


def fetch(url: str, body: bytes | None, at: object, status: int = 200,
          reason: str | None = None) -> RequisiteFetch:
    sha = hashlib.sha256(body).hexdigest() if body is not None else None
    return RequisiteFetch(url, at, status, sha, "text/css" if url.endswith(".css") else "image/png",  # type: ignore[arg-type]
                          len(body) if body else None, reason, body)


def test_each_version_shows_its_own_copy_else_the_nearest_earlier_one(store: Store) -> None:
    add_sources(store, {PAGE: ("unesco-peer", "UNESCO")})
    times = unesco_history(store, PAGE)
    requisites = RequisiteStore(store)
    logo = b"\x89PNG" + b"x" * 100
    # version 1: both captured; version 2: the stylesheet failed, the logo confirmed (304);
    # version 3: nothing captured; a capture made after version 4 must not reach it
    requisites.save([fetch(CSS, b"h1{color:red}", times[0]), fetch(LOGO, logo, times[0])],
                    None, (PAGE, 1))
    requisites.save([fetch(CSS, None, times[1], 503, "HTTP 503"),
                     RequisiteFetch(LOGO, times[1], 304, hashlib.sha256(logo).hexdigest(),
                                    "image/png", len(logo))], None, (PAGE, 2))
    requisites.save([fetch(CSS, b"h1{color:blue}", times[3] + DAY)], None, None)

    keys = [requisites.version_id(PAGE, n) for n in (1, 2, 3, 4)]
    one = requisites.resolve(keys[0], [CSS, LOGO])
    assert one[CSS].with_version and requisites.content(one[CSS].sha256 or "") == b"h1{color:red}"
    two = requisites.resolve(keys[1], [CSS, LOGO])
    assert not two[CSS].with_version and two[CSS].fetched_at == times[0]     # nearest earlier
    assert two[LOGO].with_version and two[LOGO].status == 304 and two[LOGO].sha256 == one[LOGO].sha256
    four = requisites.resolve(keys[3], [CSS, LOGO, "https://education-profiles.org/never.png"])
    assert set(four) == {CSS, LOGO} and four[CSS].fetched_at == times[0]
    listing = requisites.listing(PAGE, 2)
    assert [(c.url, c.status, c.reason) for c in listing] == [(CSS, 503, "HTTP 503"),
                                                              (LOGO, 304, None)]
    # identical bytes are one blob, whatever the number of captures
    with store.engine.connect() as connection:
        count = connection.exec_driver_sql(
            "SELECT COUNT(*) FROM blobs WHERE sha256 = ?" if store.dialect == "sqlite"
            else "SELECT COUNT(*) FROM blobs WHERE sha256 = %s",
            (one[LOGO].sha256,)).scalar()
    assert count == 1
    assert requisites.blob_size(one[LOGO].sha256 or "") == len(logo)
