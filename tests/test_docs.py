"""The user documentation can be followed: every relative link of README.md and docs/*.md resolves
inside the repository (anchors included), and every file path the documents name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

FENCE_RE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
# [text](target) and [text](target "title"); images too (the leading ! is not needed to match)
INLINE_LINK_RE = re.compile(r"\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^\s)>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# A path of the repository named in the text: a top-level folder, then a file with an extension.
TOP_LEVEL = ("tests", "docs", "deploy", "pipeline", "crawler", "storage", "scheduler",
             "profilewatch", "benchmarks")
EXTENSIONS = ("py", "md", "toml", "html", "css", "service", "timer", "example")
NAMED_PATH_RE = re.compile(r"(?<![\w/.<-])((?:" + "|".join(TOP_LEVEL) + r")/[\w./-]*\w\.(?:"
                           + "|".join(EXTENSIONS) + r"))\b")


def without_code_blocks(text: str) -> str:
    return FENCE_RE.sub("", text)


def prose(text: str) -> str:
    """The text where links count: no fenced blocks, no code spans."""
    return CODE_SPAN_RE.sub("", without_code_blocks(text))


def links(text: str) -> list[str]:
    body = prose(text)
    return INLINE_LINK_RE.findall(body) + REFERENCE_RE.findall(body)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: link text kept, markup and punctuation dropped, spaces to -."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    for match in HEADING_RE.finditer(without_code_blocks(path.read_text(encoding="utf-8"))):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.add(base if count == 0 else f"{base}-{count}")
    return out


def problems_of_link(document: Path, target: str) -> str | None:
    if SCHEME_RE.match(target) or target.startswith("//"):
        return None                      # an external URL (http, https, mailto …)
    path_part, _, anchor = target.partition("#")
    if path_part.startswith("/"):
        return "absolute path: links must be relative to the document"
    resolved = (document.parent / path_part).resolve() if path_part else document
    if not resolved.is_relative_to(ROOT):
        return "leaves the repository"
    if not resolved.exists():
        return "no such file or directory"
    if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
        return f"no heading with anchor #{anchor} in {resolved.relative_to(ROOT)}"
    return None


def test_slugs_follow_github():
    assert slug("Output: JSON and text") == "output-json-and-text"
    assert slug("`[[source]]`") == "source"
    assert slug("show --format html: replay with requisites") == "show---format-html-replay-with-requisites"
    assert slug("How a worker (or the daemon) talks to its `profilewatch run` child") == \
        "how-a-worker-or-the-daemon-talks-to-its-profilewatch-run-child"


def test_links_are_found_outside_code_only():
    text = "[a](x.md) `[b](y.md)`\n```\n[c](z.md)\n```\n[d]: w.md\n"
    assert links(text) == ["x.md", "w.md"]


def test_a_link_out_of_the_repository_is_refused():
    readme = ROOT / "README.md"
    assert problems_of_link(readme, "../shared/CONTRACT.md") == "leaves the repository"
    assert problems_of_link(readme, "docs/nothing.md") == "no such file or directory"
    assert problems_of_link(readme, "docs/cli.md#no-such-heading") is not None
    assert problems_of_link(readme, "https://example.org/x") is None


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(document: Path):
    found = links(document.read_text(encoding="utf-8"))
    broken = [f"{target}: {problem}" for target in found
              if (problem := problems_of_link(document, target)) is not None]
    assert not broken, f"{document.relative_to(ROOT)}: " + "; ".join(broken)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_the_document_names_exists(document: Path):
    named = set(NAMED_PATH_RE.findall(document.read_text(encoding="utf-8")))
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, f"{document.relative_to(ROOT)} names files that do not exist: {missing}"


def test_the_docs_are_reachable_from_the_readme():
    readme_links = {target.partition("#")[0] for target in links((ROOT / "README.md").read_text())}
    for name in ("docs/cli.md", "docs/configuration.md", "docs/architecture.md"):
        assert name in readme_links
