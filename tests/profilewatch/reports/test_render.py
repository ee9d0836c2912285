"""Golden text and Markdown reports of a fixed history, HTML escaping and the JSON round trip.

To accept a deliberate change of the golden files: ``PROFILEWATCH_UPDATE_GOLDEN=1 pytest
tests/profilewatch/reports/test_render.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from profilewatch.diffs.passages import Passage, count_sentences, excerpt
from profilewatch.reports.build import build_report
from profilewatch.reports.formats import render
from profilewatch.reports.model import Change, Problem, Report
from storage.reporting import ReportWindow
from tests.support.scenario import record_history

GOLDEN = Path(__file__).with_name("golden")
GENERATED = datetime(2026, 11, 4, 7, 0, tzinfo=UTC)


def _report(store: Any) -> Report:
    run_ids = record_history(store)
    return build_report(store, ReportWindow(run_ids=tuple(run_ids[1:])),
                        scope=f"runs {run_ids[1]}, {run_ids[2]} (profiles)",
                        base_url="https://archive.example.org", now=GENERATED)


@pytest.mark.parametrize("fmt,name", [("text", "report.txt"), ("markdown", "report.md")])
def test_golden_report(store: Any, fmt: str, name: str) -> None:
    text = render(_report(store), fmt)
    path = GOLDEN / name
    if os.environ.get("PROFILEWATCH_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_json_round_trip_and_contents(store: Any) -> None:
    report = _report(store)
    assert Report.from_json(report.to_json()) == report
    data = report.to_json()
    assert [c["kind"] for c in data["changes"]] == ["content", "metadata", "metadata"]
    content = data["changes"][0]
    assert content["organisation"] == "UNESCO"
    assert (content["from_version"], content["to_version"]) == (1, 2)
    assert content["last_modified_after"] == "2026-11-01T09:30:00Z"
    assert [p["heading"] for p in content["passages"]] == [
        "2.1. Education technology legislative and policy framework: 1 sentence added",
        "2.2.1. Technology infrastructure and digital capacity of schools: 1 sentence changed"]
    assert content["archived_after"] == ("https://archive.example.org/web/20261103060000/"
                                         "https://profiles.example.org/azerbaijan/technology")
    assert content["citation"].startswith("UNESCO. (2026, November 1). Azerbaijan | Technology.")
    assert [(p["state"], p["failed_checks"]) for p in data["problems"]] == [
        ("failing", 1), ("recovered", 1)]


def test_empty_report_says_so() -> None:
    report = Report(GENERATED, "run 9")
    assert report.empty and report.summary() == "no changes"
    assert "Nothing changed" in render(report, "text")


HOSTILE = '<script>alert("x")</script> *bold* [link](javascript:alert(1)) \x1b[31mred\x1b[0m'


def _hostile_report() -> Report:
    passage = Passage("2. <b>Section</b>", 0, 0, 1,
                      (("=", "before "), ("-", "<img src=x onerror=alert(1)>"),
                       ("+", "**new** [x](javascript:y)"), ("=", " after")))
    change = Change(event_id=1, kind="content", url="https://example.org/p?a=1&b=<2>",
                    source="s", organisation="Org <i>", title=HOSTILE, detected_at=GENERATED,
                    from_version=1, to_version=2, last_modified_before=None,
                    last_modified_after=None, summary=HOSTILE, passages=(passage,),
                    citation=HOSTILE)
    problem = Problem(url="javascript:alert(1)", source="s", organisation=None, title=HOSTILE,
                      state="failing", at=GENERATED, since=GENERATED, reason=HOSTILE,
                      http_status=None, failed_checks=1)
    return Report(GENERATED, "run <1>", (change,), (problem,))


def test_everything_is_escaped() -> None:
    report = _hostile_report()
    html = render(report, "html")
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert 'href="javascript' not in html and "\x1b" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;</del>" in html
    assert 'href="https://example.org/p?a=1&amp;b=&lt;2&gt;"' in html
    markdown = render(report, "markdown")
    assert not re.search(r"(?<!\\)<(script|i|b|img)", markdown)   # only escaped \<script\>
    assert not re.search(r"(?<!\\)\]\(javascript", markdown)      # no link can form
    assert r"\*bold\*" in markdown and r"\[link\]" in markdown and "\x1b" not in markdown
    text = render(report, "text")
    assert "\x1b" not in text and "[31mred" in text


def test_sentence_counts_and_excerpt_context() -> None:
    old = "One sentence here. Two sentences here. Three is here."
    new = "One sentence here. Two sentences there. Three is here. Four is new."
    assert count_sentences(old, new) == (1, 0, 1)
    long_old = " ".join(f"w{i}" for i in range(100))
    long_new = long_old.replace("w50", "CHANGED")
    words = excerpt(long_old, long_new, context=3)
    assert words == (("…", "…"), ("=", " w47 w48 w49 "), ("-", "w50"), ("+", "CHANGED"),
                     ("=", " w51 w52 w53 "), ("…", "…"))
