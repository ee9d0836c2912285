"""Page-declared dates: parsing the literal forms the watched sites print.

Formats (see ``../shared/sites/README.md``):

- Drupal ``D, d/m/Y - H:i`` (PEER: ``Mon, 05/08/2024 - 17:13``): day/month/year; the weekday is
  checked against the date and a contradiction is flagged, never "fixed" by guessing;
- ``d/m/Y`` and ``d.m.Y`` (day first, as every watched site writes it);
- ``20 May 2021`` (UN country team), ``September 24, 2021`` (UNDP), with or without weekday;
- ISO-8601 dates and datetimes (meta tags, JSON-LD, ``<time datetime>``);
- dates written in words in every language of ``pipeline/data/languages.toml`` (its ``months`` and
  ``date_words``): ``20 мая 2021 г.``, ``20 de mayo de 2021``, ``2021 жылғы 20 мамыр``,
  ``20 Mayıs 2021``, ``2021年5月20日``.

A parsed value is an ISO-8601 string: ``2021-05-20`` for a date, ``2024-08-05T17:13:00`` when the
page gives a time but no zone (the literal is kept beside it), ``2024-08-05T15:13:00Z`` when the zone
is known (converted to UTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from pipeline.languages import vocabulary

ENGLISH_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12,
    "december": 12,
}
# every language's month names (the data file), English ones first
MONTHS = {**vocabulary().months, **ENGLISH_MONTHS}
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_MONTH = (r"(?P<month>" + "|".join(r"\s+".join(re.escape(w) for w in m.split())
                                   for m in sorted(MONTHS, key=len, reverse=True)) + r")(?!\w)\.?")
# words between a written date's parts ("20 de mayo de 2021", "2021 жылғы 20 мамыр")
_FILLER = (r"(?:[\s,]+(?:" + "|".join(re.escape(w) for w in vocabulary().date_words if w.strip(".,"))
           + r")(?!\w)\.?)?[\s,]*")
_WEEKDAY = r"(?:(?P<weekday>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = r"(?:\s*(?:-|,|at)?\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"

DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", re.compile(
        r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
        r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
        r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?", re.I)),
    ("dmy-numeric", re.compile(
        _WEEKDAY + r"(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4})" + _TIME, re.I)),
    ("d-month-y", re.compile(
        _WEEKDAY + r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|-?(?:го|е|ы|і|ci|cı|cu|cü|inci|ıncı))?(?:-|(?=\s))"
        + _FILLER + _MONTH + r",?" + _FILLER + r"(?P<year>\d{4})(?!\d)" + _TIME, re.I)),
    ("y-d-month", re.compile(
        r"(?P<year>\d{4})(?!\d)" + _FILLER + r"(?P<day>\d{1,2})(?:-?(?:[а-яәіңғүұқөһ]{1,3}))?\s+"
        + _MONTH, re.I)),
    ("y-month-d", re.compile(
        r"(?P<year>\d{4})(?!\d)" + _FILLER + _MONTH + r"\s+(?P<day>\d{1,2})(?!\d)", re.I)),
    ("cjk", re.compile(r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日")),
    ("month-d-y", re.compile(
        _WEEKDAY + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})" + _TIME, re.I)),
)
@dataclass(frozen=True, slots=True)
class ParsedDate:
    value: str | None          # ISO-8601, or None when the literal contradicts itself
    flags: tuple[str, ...] = ()
    start: int = 0             # where the match began in the text it was found in
    end: int = 0               # where it ended


def _month_number(text: str) -> int:
    return int(text) if text.isdigit() else MONTHS[" ".join(text.lower().rstrip(".").split())]


def _iso(day: date, clock: time | None, tz: str | None) -> str:
    if clock is None:
        return day.isoformat()
    moment = datetime.combine(day, clock)
    if tz:
        offset = tz.replace(":", "")
        if offset.upper() == "Z":
            aware = moment.replace(tzinfo=UTC)
        else:
            aware = datetime.strptime(moment.strftime("%Y-%m-%dT%H:%M:%S") + offset,
                                      "%Y-%m-%dT%H:%M:%S%z")
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def parse_date_text(text: str, *, search: bool = False) -> ParsedDate | None:
    """Parse the first date in ``text`` (at its start unless ``search``); ``None`` if there is none.

    A weekday that contradicts the date gives ``value=None`` with the flag ``weekday-mismatch``.
    """
    best: tuple[int, re.Match[str]] | None = None
    for _, pattern in DATE_PATTERNS:
        match = pattern.search(text) if search else pattern.match(text.strip())
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), match)
    if best is None:
        return None
    match = best[1]
    offset = 0 if search else len(text) - len(text.lstrip())
    start, end = match.start() + offset, match.end() + offset
    groups = match.groupdict()
    try:
        day = date(int(groups["year"]), _month_number(groups["month"]), int(groups["day"]))
        clock = None
        if groups.get("hour") is not None:
            clock = time(int(groups["hour"]), int(groups["minute"]), int(groups.get("second") or 0))
    except (ValueError, KeyError):
        return ParsedDate(None, ("invalid-date",), start, end)
    weekday = groups.get("weekday")
    if weekday and WEEKDAYS[weekday[:3].lower()] != day.weekday():
        return ParsedDate(None, ("weekday-mismatch",), start, end)
    return ParsedDate(_iso(day, clock, groups.get("tz")), (), start, end)


def parse_iso_datetime(text: str) -> str | None:
    """A machine-readable date (meta tag, JSON-LD, ``datetime`` attribute) as ISO-8601, or None."""
    parsed = parse_date_text(text.strip())
    return parsed.value if parsed else None
