"""Hash chains over each page's versions.

Each version's ``chain_sha256`` is SHA-256 over the previous version's chain hash and a canonical
JSON of what the version asserts (URL, number, capture time, digests of the raw body and the text,
title, declared date). Editing any stored field, or removing or reordering a version, breaks the
chain from that version on; ``profilewatch verify`` recomputes it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def chain_fields(*, url: str, number: int, fetched_at: datetime, body_sha256: str,
                 content_sha256: str, title: str | None, declared_text: str | None,
                 declared_value: str | None) -> dict[str, Any]:
    return {
        "url": url,
        "number": number,
        "fetched_at": fetched_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "body_sha256": body_sha256,
        "content_sha256": content_sha256,
        "title": title,
        "declared_text": declared_text,
        "declared_value": declared_value,
    }


def chain_hash(previous: str | None, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous or GENESIS}\n{canonical}".encode()).hexdigest()
