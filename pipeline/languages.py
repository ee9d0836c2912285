"""The words profilewatch reads in every language the watched sites publish in.

The data lives in ``pipeline/data/languages.toml`` (see its header for each list's meaning): add a
language or a spelling there, without code. This module loads it once and compiles what the
pipeline matches: "not available in <language>" notices, date labels, month names, and the words
of choosers, search, consent and login pages (:mod:`pipeline.interstitial`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

DATA_PACKAGE = "pipeline.data"
DATA_FILE = "languages.toml"
LISTS = ("names", "not_available", "modified", "published", "months", "date_words", "chooser",
         "search", "consent", "login")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Every language's lists merged (lower case, whitespace collapsed, duplicates removed)."""

    languages: tuple[str, ...]
    names: frozenset[str]
    not_available: re.Pattern[str]
    modified: tuple[str, ...]
    published: tuple[str, ...]
    months: dict[str, int]
    date_words: tuple[str, ...]
    chooser: tuple[str, ...]
    search: tuple[str, ...]
    consent: tuple[str, ...]
    login: tuple[str, ...]


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def _phrases(data: dict[str, dict[str, list[str]]], key: str) -> tuple[str, ...]:
    found = {_flat(p) for table in data.values() for p in table.get(key, []) if p.strip()}
    return tuple(sorted(found, key=lambda p: (-len(p), p)))   # longest first: alternations


def parse_vocabulary(text: str) -> Vocabulary:
    """Compile the TOML ``text`` (the data file's format); ``ValueError`` for a bad file."""
    data = tomllib.loads(text)
    for code, table in data.items():
        if not isinstance(table, dict):
            raise ValueError(f"languages: [{code}] must be a table")
        for key, value in table.items():
            if key not in LISTS:
                raise ValueError(f"languages: [{code}] unknown key {key!r}")
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"languages: [{code}] {key} must be a list of strings")
        months = table.get("months", [])
        if months and len(months) != 12:
            raise ValueError(f"languages: [{code}] months must name 12 months")
    month_numbers: dict[str, int] = {}
    ambiguous: set[str] = set()
    for table in data.values():
        for number, spellings in enumerate(table.get("months", []), start=1):
            for spelling in spellings.split("|"):
                word = _flat(spelling).rstrip(".")
                if not word:
                    continue
                if month_numbers.setdefault(word, number) != number:
                    ambiguous.add(word)
    for word in ambiguous:    # a spelling two languages give different months names neither
        del month_numbers[word]
    notices = [p for table in data.values() for p in table.get("not_available", [])]
    for pattern in notices:
        re.compile(pattern)   # a bad expression fails here, naming itself
    return Vocabulary(
        languages=tuple(data),
        names=frozenset(_phrases(data, "names")),
        not_available=re.compile("|".join(f"(?:{p})" for p in notices) or r"(?!x)x", re.I),
        modified=_phrases(data, "modified"),
        published=_phrases(data, "published"),
        months=month_numbers,
        date_words=_phrases(data, "date_words"),
        chooser=_phrases(data, "chooser"),
        search=_phrases(data, "search"),
        consent=_phrases(data, "consent"),
        login=_phrases(data, "login"),
    )


@cache
def vocabulary() -> Vocabulary:
    """The shipped data file, compiled once per process."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_vocabulary(text)


def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """A case-insensitive pattern matching any of ``phrases`` as whole words (any whitespace)."""
    alternatives = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in phrases)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)


def not_available_notice(text: str) -> bool:
    """Whether ``text`` holds a "this content is not available in <language>" notice."""
    return vocabulary().not_available.search(text) is not None


def _case_folds() -> dict[int, int] | None:
    """Characters a case-insensitive ``re`` pattern treats as one letter though their lowercase
    differs (``i``/``ı``, ``s``/``ſ``, Greek symbol forms …), each mapped to one of its group;
    None where this Python does not say (then :class:`PhraseFinder` always runs the pattern)."""
    try:
        from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found]
    except ImportError:     # a private table of CPython's re (3.11+): without it, no shortcut
        return None
    folds: dict[int, int] = {}
    for code, others in _EXTRA_CASES.items():
        group = (code, *others)
        for member in group:
            folds[member] = min(group)
    return folds


CASE_FOLDS = _case_folds()


class PhraseFinder:
    """``pattern.finditer(text)``, run only where one of ``first_words`` starts.

    ``pattern`` is case-insensitive and every match of it begins with one of ``first_words`` (the
    first word of each phrase it alternates). A big alternation tried at every position of a page's
    text costs ~1 ms per 20,000 characters; finding the few places where a first word occurs costs a
    tenth of that. The matches are exactly ``pattern.finditer``'s (leftmost, not overlapping): every
    place the pattern can match is a candidate, found in the text lowercased as ``re`` compares
    letters (its extra case equivalences folded); a text whose lowercase is longer (``İ``) is
    searched with the pattern alone.
    """

    def __init__(self, pattern: re.Pattern[str], first_words: Iterable[str]) -> None:
        self.pattern = pattern
        self.hints = tuple(sorted({self._fold(w.lower()) for w in first_words if w}))

    @staticmethod
    def _fold(text: str) -> str:
        return text.translate(CASE_FOLDS) if CASE_FOLDS is not None else text

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        lowered = self._fold(text.lower())
        if CASE_FOLDS is None or len(lowered) != len(text) or not self.hints:
            yield from self.pattern.finditer(text)
            return
        starts: set[int] = set()
        for hint in self.hints:
            position = lowered.find(hint)
            while position != -1:
                starts.add(position)
                position = lowered.find(hint, position + 1)
        end = 0
        for start in sorted(starts):
            if start < end:
                continue
            match = self.pattern.match(text, start)
            if match is not None:
                yield match
                end = max(match.end(), start + 1)

    def count(self, text: str, enough: int) -> int:
        """How many matches ``text`` holds, counting no further than ``enough``."""
        found = 0
        for _ in self.finditer(text):
            found += 1
            if found >= enough:
                break
        return found


def phrase_finder(phrases: tuple[str, ...]) -> PhraseFinder:
    """:func:`phrase_pattern` of ``phrases`` with its first words: a :class:`PhraseFinder`."""
    return PhraseFinder(phrase_pattern(phrases), (p.split()[0] for p in phrases if p.split()))
