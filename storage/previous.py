"""The last version's text, read by extraction workers when the not-the-page rule needs it.

Workers open their own read-only connection (the cached engines of :mod:`storage.keyframes`), so
the text never travels through the main process, and only the rare checks whose identity is in
doubt (a redirect to a new place, an interstitial-looking page) read it.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from sqlalchemy.orm import Session

from storage.blobstore import read_blob
from storage.keyframes import _engine

logger = logging.getLogger(__name__)


@lru_cache(maxsize=32)
def stored_text(store_url: str, text_sha256: str) -> str | None:
    """The text blob ``text_sha256`` of the store at ``store_url``; None when it cannot be read
    (the rule then judges as for a page with no version)."""
    try:
        with Session(_engine(store_url)) as session:
            return read_blob(session, text_sha256).decode("utf-8")
    except Exception as exc:  # an optimisation's input: never fail the page for it
        logger.warning("previous text %s unavailable: %s", text_sha256, exc)
        return None
