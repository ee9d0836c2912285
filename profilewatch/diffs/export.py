"""Diffs rendered for people and programs (shared by the CLI, reports and the web UI)."""

from __future__ import annotations

from html import escape
from typing import Any

from pipeline.diff import TextDiff, summarize_diff, word_diff
from profilewatch.diffs.marks import words_html
from storage.results import VersionInfo, iso


def diff_as_json(old: VersionInfo, new: VersionInfo, old_text: str, new_text: str,
                 diff: TextDiff) -> dict[str, Any]:
    return {
        "url": new.url,
        "from": {"version": old.version, "fetched_at": iso(old.fetched_at),
                 "content_sha256": old.content_sha256, "last_modified": old.last_modified,
                 "title": old.title},
        "to": {"version": new.version, "fetched_at": iso(new.fetched_at),
               "content_sha256": new.content_sha256, "last_modified": new.last_modified,
               "title": new.title},
        "summary": summarize_diff(diff),
        "lines_added": diff.lines_added,
        "lines_removed": diff.lines_removed,
        "hunks": [{"section": h.section, "op": h.op, "old_start": h.old_start + 1,
                   "new_start": h.new_start + 1, "old": list(h.old), "new": list(h.new),
                   "words": word_diff("\n".join(h.old), "\n".join(h.new))}
                  for h in diff.hunks],
    }


def diff_as_html(old: VersionInfo, new: VersionInfo, old_text: str, new_text: str,
                 diff: TextDiff) -> str:
    """A self-contained HTML page (no scripts) with the word-level diff of each changed passage."""
    rows = []
    for hunk in diff.hunks:
        section = f"<h3>{escape(hunk.section)}</h3>" if hunk.section else ""
        rows.append(f'<section>{section}<p style="white-space:pre-wrap">'
                    f'{words_html(chr(10).join(hunk.old), chr(10).join(hunk.new))}</p></section>')
    title = escape(new.title or new.url)
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Diff: {title}</title></head><body style=\"font-family:sans-serif;max-width:50em\">"
        f"<h1>{title}</h1><p><a href=\"{escape(new.url, quote=True)}\">{escape(new.url)}</a></p>"
        f"<p>v{old.version} ({iso(old.fetched_at)}) → v{new.version} ({iso(new.fetched_at)}): "
        f"{escape(summarize_diff(diff))}</p>{''.join(rows) or '<p>No text change.</p>'}"
        "</body></html>"
    )
