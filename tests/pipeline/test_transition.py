"""The decision table, row by row."""

from __future__ import annotations

import pytest

from pipeline.transition import classify_change
from pipeline.types import ChangeKind, DeclaredDate, Extracted, LatestState, Outcome

NONE = LatestState()
V1 = LatestState(version=1, text_sha256="aaa", title="T", declared="2024-08-05")


def page(sha: str = "aaa", title: str | None = "T", declared: str | None = "2024-08-05") -> Extracted:
    date = DeclaredDate(text=declared, value=declared, origin="meta") if declared else None
    return Extracted(text="x", text_sha256=sha, title=title, declared=date)


@pytest.mark.parametrize(("state", "outcome", "extracted", "kind", "version", "event"), [
    (V1, Outcome.FAILED, None, ChangeKind.FAILED, False, False),
    (V1, Outcome.NOT_MODIFIED, None, ChangeKind.UNCHANGED, False, False),
    (NONE, Outcome.NOT_MODIFIED, None, ChangeKind.FAILED, False, False),
    (V1, Outcome.MISSING, None, ChangeKind.FAILED, False, False),
    (LatestState(version=1, text_sha256="aaa", missing_streak=1), Outcome.MISSING, None,
     ChangeKind.GONE, False, True),
    (LatestState(version=1, text_sha256="aaa", missing_streak=5, gone=True), Outcome.MISSING, None,
     ChangeKind.FAILED, False, False),
    (LatestState(missing_streak=3), Outcome.MISSING, None, ChangeKind.FAILED, False, False),
    (NONE, Outcome.OK, page(), ChangeKind.NEW, True, True),
    (V1, Outcome.OK, page(sha="bbb"), ChangeKind.CONTENT, True, True),
    (V1, Outcome.OK, page(sha="bbb", declared="2025-01-01"), ChangeKind.CONTENT, True, True),
    (V1, Outcome.OK, page(declared="2025-01-01"), ChangeKind.METADATA, True, True),
    (V1, Outcome.OK, page(title="New title"), ChangeKind.METADATA, True, True),
    (V1, Outcome.OK, page(declared=None), ChangeKind.METADATA, True, True),
    (V1, Outcome.OK, page(), ChangeKind.UNCHANGED, False, False),
])
def test_decision_table(state: LatestState, outcome: Outcome, extracted: Extracted | None,
                        kind: ChangeKind, version: bool, event: bool) -> None:
    decision = classify_change(state, outcome, extracted, gone_after=2)
    assert (decision.kind, decision.new_version, decision.event) == (kind, version, event)


def test_gone_after_is_configurable() -> None:
    state = LatestState(version=1, text_sha256="a", missing_streak=1)
    assert classify_change(state, Outcome.MISSING, None, gone_after=3).kind is ChangeKind.FAILED
    assert classify_change(state, Outcome.MISSING, None, gone_after=1).kind is ChangeKind.GONE
