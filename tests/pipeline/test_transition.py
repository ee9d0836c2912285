"""The transition of pipeline/transition.py, row by row, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.transition import Transition, needs_previous_text, transition
from pipeline.types import Analysis, ChangeKind, DeclaredDate, Extracted, Outcome, PageState

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2025, 3, 2, 12, 0, tzinfo=UTC)
NONE = PageState(page_id=1, url="https://x.example/p")
V1 = PageState(page_id=1, url="https://x.example/p", version=1, content_sha256="aaa", title="T",
               declared_value="2024-08-05", declared_text="2024-08-05", declared_kind="modified",
               etag='"v1"', http_last_modified="Mon, 05 Aug 2024 00:00:00 GMT", last_ok_at=T0)
FAILING = PageState(page_id=1, url="https://x.example/p", version=1, content_sha256="aaa",
                    title="T", failing_since=T0, fail_count=2, last_error="HTTP 500")


def page(sha: str = "aaa", title: str | None = "T", declared: str | None = "2024-08-05",
         text: str = "x") -> Extracted:
    date = DeclaredDate(text=declared, value=declared, origin="meta") if declared else None
    return Extracted(text=text, text_sha256=sha, title=title, declared=date)


def ok(extracted: Extracted) -> Analysis:
    return Analysis(Outcome.OK, extracted=extracted, body_sha256="body-" + extracted.text_sha256)


def step(state: PageState, analysis: Analysis, gone_after: int = 2,
         headers: dict[str, str] | None = None, previous_text: str | None = "x") -> Transition:
    return transition(state, analysis, fetched_at=T1, final_url=None, headers=headers or {},
                      gone_after=gone_after, previous_text=previous_text)


FAILED = Analysis(Outcome.FAILED, reason="HTTP 500")
NOT_MODIFIED = Analysis(Outcome.NOT_MODIFIED)
MISSING = Analysis(Outcome.MISSING, reason="HTTP 404")


@pytest.mark.parametrize(("state", "analysis", "kind", "version", "event"), [
    (V1, FAILED, ChangeKind.FAILED, False, False),
    (V1, NOT_MODIFIED, ChangeKind.UNCHANGED, False, False),
    (NONE, NOT_MODIFIED, ChangeKind.FAILED, False, False),
    (V1, MISSING, ChangeKind.FAILED, False, False),
    (PageState(1, "u", version=1, content_sha256="aaa", missing_streak=1), MISSING,
     ChangeKind.GONE, False, True),
    (PageState(1, "u", version=1, content_sha256="aaa", missing_streak=5, gone_at=T0), MISSING,
     ChangeKind.FAILED, False, False),
    (PageState(1, "u", missing_streak=3), MISSING, ChangeKind.FAILED, False, False),
    (NONE, ok(page()), ChangeKind.NEW, True, True),
    (V1, ok(page(sha="bbb")), ChangeKind.CONTENT, True, True),
    (V1, ok(page(sha="bbb", declared="2025-01-01")), ChangeKind.CONTENT, True, True),
    (V1, ok(page(declared="2025-01-01")), ChangeKind.METADATA, True, True),
    (V1, ok(page(title="New title")), ChangeKind.METADATA, True, True),
    (V1, ok(page(declared=None)), ChangeKind.METADATA, True, True),
    (V1, ok(page()), ChangeKind.UNCHANGED, False, False),
])
def test_decision_table(state: PageState, analysis: Analysis, kind: ChangeKind, version: bool,
                        event: bool) -> None:
    result = step(state, analysis)
    assert (result.kind, result.version is not None, result.event is not None) == (kind, version, event)


def test_gone_after_is_configurable() -> None:
    state = PageState(1, "u", version=1, content_sha256="a", missing_streak=1)
    assert step(state, MISSING, gone_after=3).kind is ChangeKind.FAILED
    assert step(state, MISSING, gone_after=1).kind is ChangeKind.GONE


def test_reasons_of_failed_checks() -> None:
    assert step(V1, FAILED).reason == "HTTP 500"
    assert step(NONE, NOT_MODIFIED).reason == "304 Not Modified without a stored version"
    assert step(V1, ok(page())).reason is None


# --- the next state ------------------------------------------------------------------------------

def test_a_failure_starts_and_extends_a_failing_streak() -> None:
    first = step(V1, FAILED).state
    assert (first.failing_since, first.fail_count, first.last_error) == (T1, 1, "HTTP 500")
    assert first.missing_streak == 0 and first.last_checked_at == T1 and first.last_ok_at == T0
    later = step(FAILING, Analysis(Outcome.FAILED, reason="timeout")).state
    assert (later.failing_since, later.fail_count, later.last_error) == (T0, 3, "timeout")


def test_a_failure_keeps_the_validators_and_version() -> None:
    after = step(V1, FAILED).state
    assert (after.etag, after.http_last_modified, after.version) == (V1.etag, V1.http_last_modified, 1)


def test_missing_counts_toward_gone_and_gone_sets_gone_at() -> None:
    once = step(V1, MISSING).state
    assert once.missing_streak == 1 and once.gone_at is None
    gone = step(once, MISSING)
    assert gone.kind is ChangeKind.GONE
    assert gone.state.missing_streak == 2 and gone.state.gone_at == T1
    assert gone.state.fail_count == 2 and gone.state.last_error == "HTTP 404"


def test_a_failure_resets_the_missing_streak() -> None:
    once = step(V1, MISSING).state
    assert step(once, FAILED).state.missing_streak == 0


def test_recovery_clears_streaks_and_gone() -> None:
    gone = PageState(1, "u", version=1, content_sha256="aaa", title="T", declared_value="2024-08-05",
                     missing_streak=4, gone_at=T0, failing_since=T0, fail_count=4,
                     last_error="HTTP 404")
    after = step(gone, ok(page())).state
    assert (after.missing_streak, after.gone_at, after.failing_since, after.fail_count,
            after.last_error, after.last_ok_at) == (0, None, None, 0, None, T1)


def test_an_ok_response_replaces_the_validators() -> None:
    after = step(V1, ok(page()), headers={"etag": '"v2"'}).state
    assert (after.etag, after.http_last_modified) == ('"v2"', None)


def test_a_304_updates_only_the_validators_it_sends() -> None:
    after = step(V1, NOT_MODIFIED, headers={"etag": '"v2"'}).state
    assert (after.etag, after.http_last_modified) == ('"v2"', V1.http_last_modified)


def test_the_final_url_is_kept_until_another_arrives() -> None:
    moved = transition(V1, FAILED, fetched_at=T1, final_url="https://x.example/q", headers={},
                       gone_after=2)
    assert moved.state.last_final_url == "https://x.example/q"
    assert step(moved.state, FAILED).state.last_final_url == "https://x.example/q"


def test_a_new_version_becomes_the_latest() -> None:
    result = step(V1, ok(page(sha="bbb", title="T2", declared="2025-01-01")))
    assert result.version is not None and result.version.number == 2
    after = result.state
    assert (after.version, after.content_sha256, after.body_sha256, after.title, after.declared) == (
        2, "bbb", "body-bbb", "T2", "2025-01-01")


# --- the events ----------------------------------------------------------------------------------

def test_new_event_counts_lines_and_names_the_declared_date() -> None:
    event = step(NONE, ok(page(text="a\nb\nc"))).event
    assert event is not None
    assert (event.from_version, event.to_version, event.lines_added) == (None, 1, 3)
    assert event.summary == "first version: 3 lines, declared modified date 2024-08-05"
    assert event.last_modified_before is None and event.last_modified_after == "2024-08-05"


def test_content_event_summarises_the_diff_against_the_previous_text() -> None:
    state = V1
    analysis = ok(page(sha="bbb", text="one\ntwo\nthree"))
    assert needs_previous_text(state, analysis)
    event = step(state, analysis, previous_text="one\nthree").event
    assert event is not None
    assert (event.from_version, event.to_version, event.lines_added, event.lines_removed) == (1, 2, 1, 0)
    assert event.summary and event.details["sections"]


def test_content_event_needs_the_previous_text() -> None:
    with pytest.raises(ValueError, match="previous text"):
        step(V1, ok(page(sha="bbb")), previous_text=None)
    assert not needs_previous_text(V1, ok(page()))
    assert not needs_previous_text(NONE, ok(page(sha="bbb")))


def test_metadata_event_names_what_changed() -> None:
    event = step(V1, ok(page(title="New", declared="2025-01-01"))).event
    assert event is not None
    assert event.summary == "metadata only: Last modified 2024-08-05 → 2025-01-01; title “T” → “New”"
    assert event.details == {"title_changed": True, "declared_changed": True}
    assert (event.last_modified_before, event.last_modified_after) == ("2024-08-05", "2025-01-01")


def test_gone_event_names_reason_and_streak() -> None:
    state = PageState(1, "u", version=3, content_sha256="a", title="T", missing_streak=1)
    event = step(state, MISSING).event
    assert event is not None
    assert event.summary == "gone: HTTP 404 on 2 consecutive checks"
    assert (event.from_version, event.to_version, event.title) == (3, None, "T")
