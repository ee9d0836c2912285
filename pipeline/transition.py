"""The one decision table: what a check means for a page.

====================  ===========================================  =========  =======  =====
outcome of the fetch  what the store knows                          kind       version  event
====================  ===========================================  =========  =======  =====
failed                anything                                      failed     no       no
not modified (304)    a version exists                              unchanged  no       no
not modified (304)    no version (a 304 nobody asked for)           failed     no       no
missing (404/410)     streak reaches ``gone_after``, has a version, gone       no       yes
                      not already gone
missing (404/410)     otherwise                                     failed     no       no
ok                    no version                                    new        yes      yes
ok                    text fingerprint differs                      content    yes      yes
ok                    same text; title or declared date differs     metadata   yes      yes
ok                    same text, title and declared date            unchanged  no       no
====================  ===========================================  =========  =======  =====

Boilerplate never reaches this table: it is removed before the fingerprint is taken.
"""

from __future__ import annotations

from pipeline.types import ChangeKind, Decision, Extracted, LatestState, Outcome


def classify_change(state: LatestState, outcome: Outcome, extracted: Extracted | None,
                    gone_after: int, reason: str | None = None) -> Decision:
    """Apply the decision table of the module docstring."""
    if outcome is Outcome.FAILED:
        return Decision(ChangeKind.FAILED, new_version=False, event=False, reason=reason)
    if outcome is Outcome.NOT_MODIFIED:
        if state.version is None:
            return Decision(ChangeKind.FAILED, False, False, "304 Not Modified without a stored version")
        return Decision(ChangeKind.UNCHANGED, False, False)
    if outcome is Outcome.MISSING:
        streak = state.missing_streak + 1
        if streak >= gone_after and state.version is not None and not state.gone:
            return Decision(ChangeKind.GONE, new_version=False, event=True, reason=reason)
        return Decision(ChangeKind.FAILED, False, False, reason)
    if extracted is None:
        raise ValueError("an ok outcome needs the extracted page")
    if state.version is None:
        return Decision(ChangeKind.NEW, new_version=True, event=True)
    if extracted.text_sha256 != state.text_sha256:
        return Decision(ChangeKind.CONTENT, new_version=True, event=True)
    declared = extracted.declared.comparable if extracted.declared else None
    if extracted.title != state.title or declared != state.declared:
        return Decision(ChangeKind.METADATA, new_version=True, event=True)
    return Decision(ChangeKind.UNCHANGED, False, False)
