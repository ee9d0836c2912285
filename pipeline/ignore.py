"""Ignore filters: parts of a page the user says are noise.

A spec is ``"<kind>:<expression>"``. ``css:`` and ``xpath:`` remove elements from the parsed
document before extraction; ``regex:`` removes matching text from the extracted main text before it
is normalised and fingerprinted. One registry, keyed by kind, filled by ``__init_subclass__``.
"""

from __future__ import annotations

import re
import warnings
from typing import ClassVar

from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement


class IgnoreSpecError(ValueError):
    """An ignore spec that cannot be parsed or compiled."""


class IgnoreFilter:
    """Base class: ``kind`` names the filter in config (``css:…``)."""

    kind: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[IgnoreFilter]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            IgnoreFilter.registry[cls.kind] = cls

    def __init__(self, expression: str) -> None:
        self.expression = expression

    @property
    def spec(self) -> str:
        return f"{self.kind}:{self.expression}"

    def apply_to_tree(self, tree: HtmlElement) -> int:
        """Remove matching elements; returns how many were removed."""
        return 0

    def apply_to_text(self, text: str) -> str:
        return text


def _drop(elements: list[HtmlElement]) -> int:
    count = 0
    for element in elements:
        parent = element.getparent()
        if parent is None:
            continue
        # keep the tail text: it belongs to the parent, not to the removed element
        tail = element.tail
        previous = element.getprevious()
        if tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        parent.remove(element)
        count += 1
    return count


class CssIgnore(IgnoreFilter):
    """Remove elements matching a CSS selector, e.g. ``css:.view-count``."""

    kind = "css"

    def __init__(self, expression: str) -> None:
        super().__init__(expression)
        try:
            self._selector = CSSSelector(expression)
        except Exception as exc:  # cssselect raises several unrelated types
            raise IgnoreSpecError(f"bad CSS selector {expression!r}: {exc}") from None

    def apply_to_tree(self, tree: HtmlElement) -> int:
        return _drop(list(self._selector(tree)))


class XPathIgnore(IgnoreFilter):
    """Remove elements matching an XPath expression, e.g. ``xpath://div[@id='share']``."""

    kind = "xpath"

    def __init__(self, expression: str) -> None:
        super().__init__(expression)
        try:
            self._xpath = etree.XPath(expression)
        except etree.XPathSyntaxError as exc:
            raise IgnoreSpecError(f"bad XPath {expression!r}: {exc}") from None

    def apply_to_tree(self, tree: HtmlElement) -> int:
        try:
            found = self._xpath(tree)
        except etree.XPathEvalError:
            return 0
        if not isinstance(found, list):
            return 0
        return _drop([e for e in found if isinstance(e, etree._Element)])


class RegexIgnore(IgnoreFilter):
    """Remove text matching a regular expression from the main text, e.g. ``regex:Visitors: \\d+``."""

    kind = "regex"

    def __init__(self, expression: str) -> None:
        super().__init__(expression)
        try:
            # Python warns about syntax that may change meaning later ("possible nested set"):
            # the pattern means today what it says, so the warning is not the user's concern
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                self._pattern = re.compile(expression)
        except re.error as exc:
            raise IgnoreSpecError(f"bad regular expression {expression!r}: {exc}") from None

    def apply_to_text(self, text: str) -> str:
        return self._pattern.sub("", text)


def parse_ignore(spec: str) -> IgnoreFilter:
    """``"css:.x"`` → :class:`CssIgnore`; raises :class:`IgnoreSpecError`."""
    kind, sep, expression = spec.partition(":")
    kind = kind.strip().lower()
    if not sep or not expression.strip():
        raise IgnoreSpecError(f"{spec!r} must look like kind:expression "
                              f"(kinds: {', '.join(sorted(IgnoreFilter.registry))})")
    cls = IgnoreFilter.registry.get(kind)
    if cls is None:
        raise IgnoreSpecError(f"unknown ignore kind {kind!r} "
                              f"(kinds: {', '.join(sorted(IgnoreFilter.registry))})")
    return cls(expression.strip())


def compile_ignores(specs: tuple[str, ...]) -> tuple[IgnoreFilter, ...]:
    return tuple(parse_ignore(s) for s in specs)
