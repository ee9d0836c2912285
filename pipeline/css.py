"""URLs in CSS, read with a real CSS tokenizer (tinycss2), found or rewritten.

Stylesheets are input like any other: huge, deeply nested, escaped (``url(\\68ttp://…)``),
``url(javascript:…)``, IE's ``expression()``. The tokenizer decodes escapes, so what a browser
would fetch is what this module sees. One walker serves both uses:

- :func:`css_references` — every URL a stylesheet makes a browser load: ``url()`` tokens and
  functions (``url("…")``, ``src("…")``), the strings of ``image-set()``, ``@import`` targets
  (kind ``stylesheet``), fonts of ``@font-face`` (kind ``font``), the rest images;
- :func:`rewrite_css` — the same stylesheet with each of those URLs replaced by what a resolver
  answers, or by ``none`` when it answers ``None``. ``data:`` images and fonts stay (they are part
  of the stylesheet), fragment-only references (``url(#clip)``) stay (they name the document), any
  other scheme is removed, ``expression()`` becomes ``none``. ``@namespace`` URLs are names, never
  fetched, and stay.

Nesting deeper than :data:`MAX_DEPTH` blocks is dropped (a browser could show nothing useful from
it, and the serializer recurses).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import tinycss2  # type: ignore[import-untyped]
from tinycss2 import ast
from tinycss2.serializer import (  # type: ignore[import-untyped]
    serialize_string_value,
    serialize_url,
)

# The kinds of requisite a reference names.
STYLESHEET, IMAGE, FONT, ICON = "stylesheet", "image", "font", "icon"
# Blocks nested deeper than this are emptied: real stylesheets nest a handful of levels
# (@media > @supports > rule > function); tinycss2's serializer recurses once per level.
MAX_DEPTH = 40
# At most this many references are taken from one stylesheet (a hostile one can name millions).
MAX_REFERENCES = 1000
# URLs longer than this are not fetched or kept (the store's URL columns are this long).
MAX_URL_CHARS = 2048
# data: URLs that may stay in a replayed stylesheet or page: images and fonts only (a data:
# stylesheet or document would carry references of its own).
SAFE_DATA_PREFIXES = ("data:image/", "data:font/", "data:application/font",
                      "data:application/x-font", "data:application/vnd.ms-fontobject")
URL_FUNCTIONS = frozenset({"url", "src"})
IMAGE_SET_FUNCTIONS = frozenset({"image-set", "-webkit-image-set"})

# (absolute URL, kind) -> the URL to write instead, or None to remove the reference
Resolver = Callable[[str, str], "str | None"]


def is_safe_data(url: str) -> bool:
    return url.strip().lower().startswith(SAFE_DATA_PREFIXES)


def absolute_url(reference: str, base: str) -> str | None:
    """``reference`` made absolute against ``base``; None unless it is http(s) and not too long."""
    reference = reference.strip()
    if not reference or len(reference) > MAX_URL_CHARS:
        return None
    try:
        absolute = urljoin(base, reference)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return absolute.split("#", 1)[0]


class _Walker:
    def __init__(self, base: str, resolve: Resolver) -> None:
        self.base = base
        self.resolve = resolve
        self.count = 0

    def target(self, value: str, kind: str) -> str | None:
        """What a URL value becomes (itself when it stays as written)."""
        stripped = value.strip()
        if stripped.startswith("#") or (kind != STYLESHEET and is_safe_data(stripped)):
            return value
        absolute = absolute_url(stripped, self.base)
        if absolute is None or self.count >= MAX_REFERENCES:
            return None
        self.count += 1
        return self.resolve(absolute, kind)

    def url_node(self, node: ast.Node, value: str, kind: str) -> ast.Node:
        new = self.target(value, kind)
        if new is None:
            return ast.IdentToken(node.source_line, node.source_column, "none")
        return ast.URLToken(node.source_line, node.source_column, new,
                            f"url({serialize_url(new)})")

    def string_node(self, node: ast.StringToken, kind: str) -> ast.Node:
        new = self.target(node.value, kind)
        if new is None:
            return ast.IdentToken(node.source_line, node.source_column, "none")
        return ast.StringToken(node.source_line, node.source_column, new,
                               f'"{serialize_string_value(new)}"')

    def walk(self, nodes: list[ast.Node], kind: str, depth: int) -> list[ast.Node]:
        out: list[ast.Node] = []
        at_rule: str | None = None
        for original in nodes:
            node = original
            node_kind = STYLESHEET if at_rule == "import" else kind
            if isinstance(node, ast.AtKeywordToken):
                at_rule = node.lower_value
            elif isinstance(node, ast.LiteralToken) and node.value == ";":
                at_rule = None
            elif isinstance(node, ast.ParseError) and node.kind == "bad-url":
                node = ast.IdentToken(node.source_line, node.source_column, "none")
            elif isinstance(node, ast.URLToken):
                node = node if at_rule == "namespace" else self.url_node(node, node.value, node_kind)
            elif isinstance(node, ast.StringToken) and at_rule == "import":
                node = self.string_node(node, STYLESHEET)
                at_rule = "import-done"
            elif isinstance(node, ast.FunctionBlock):
                node = self.function(node, node_kind, depth, at_rule)
            elif isinstance(node, (ast.CurlyBracketsBlock, ast.ParenthesesBlock,
                                   ast.SquareBracketsBlock)):
                inner = FONT if at_rule == "font-face" else kind
                node.content = self.walk(node.content, inner, depth + 1) if depth < MAX_DEPTH else []
                if isinstance(node, ast.CurlyBracketsBlock):
                    at_rule = None
            out.append(node)
        return out

    def function(self, node: ast.FunctionBlock, kind: str, depth: int,
                 at_rule: str | None) -> ast.Node:
        name = node.lower_name
        if name == "expression":
            return ast.IdentToken(node.source_line, node.source_column, "none")
        if name in URL_FUNCTIONS:
            strings = [a for a in node.arguments if isinstance(a, ast.StringToken)]
            if at_rule == "namespace":
                return node
            return self.url_node(node, strings[0].value if strings else "", kind)
        if depth >= MAX_DEPTH:
            node.arguments = []
            return node
        if name in IMAGE_SET_FUNCTIONS:
            node.arguments = [self.string_node(a, kind) if isinstance(a, ast.StringToken) else a
                              for a in node.arguments]
        node.arguments = self.walk(node.arguments, kind, depth + 1)
        return node


def _walk(css: str, base: str, resolve: Resolver, kind: str, *, serialize: bool = True) -> str:
    nodes = _Walker(base, resolve).walk(tinycss2.parse_component_value_list(css), kind, 0)
    return str(tinycss2.serialize(nodes)) if serialize else ""


def rewrite_css(css: str, base: str, resolve: Resolver) -> str:
    """``css`` (a stylesheet, a ``<style>`` text or a ``style`` attribute) with every reference
    replaced by ``resolve(absolute URL, kind)``, or removed (``none``) when that is None."""
    return _walk(css, base, resolve, IMAGE)


def css_references(css: str, base: str) -> list[tuple[str, str]]:
    """Every (absolute URL, kind) ``css`` makes a browser load, in order, each once."""
    found: dict[str, str] = {}

    def collect(url: str, kind: str) -> str:
        found.setdefault(url, kind)
        return url

    _walk(css, base, collect, IMAGE, serialize=False)
    return list(found.items())


def decode_css(body: bytes, content_type: str | None = None) -> str:
    """A stylesheet's text, decoded as browsers do (BOM, the HTTP charset, ``@charset``, UTF-8)."""
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    text, _ = tinycss2.bytes.decode_stylesheet_bytes(body, protocol_encoding=charset)
    return str(text)
