"""Times on the command line: what users may type, and how times are printed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from profilewatch.errors import UsageError

DATE_ONLY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_user_time(text: str) -> datetime:
    """ISO-8601 with ``Z`` or an offset; a naive time means UTC; a bare date the end of that day."""
    value = text.strip()
    try:
        if DATE_ONLY_RE.match(value):
            day = datetime.strptime(value, "%Y-%m-%d").date()
            return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
        if value.endswith(("Z", "z")):
            value = value[:-1] + "+00:00"
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"cannot read time {text!r}: use ISO-8601, e.g. 2024-06-01 or "
                         "2024-06-01T12:00:00Z") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_time(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
