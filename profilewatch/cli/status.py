"""``profilewatch status``: per source last run, next run, failing pages; exit 1 when one is stale."""

from __future__ import annotations

import click

from profilewatch.cli.app import App, pass_app
from profilewatch.cli.output import notice, print_json, shorten
from profilewatch.timeutil import format_time
from scheduler.status import SourceStatus, human_duration, source_statuses

# Failing pages listed per source in the text view (``--json`` lists them all).
MAX_FAILING_LISTED = 10


@click.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON array on stdout.")
@pass_app
def status(app: App, as_json: bool) -> None:
    """Per source: last run, next run, failing pages and their error streaks.

    Exits 1 when a source has not completed a run within twice its schedule, so a monitoring
    system can alert on it.
    """
    store = app.store() if app.store_exists() else None
    statuses = source_statuses(app.config, store)
    if as_json:
        print_json([s.as_json() for s in statuses])
    else:
        click.echo("\n".join(_render(s) for s in statuses))
    stale = [s for s in statuses if s.stale]
    if stale:
        notice("stale: " + ", ".join(f"{s.name} (no completed run since "
                                     f"{format_time(s.last_completed.finished_at)})"
                                     if s.last_completed else f"{s.name} (never completed a run)"
                                     for s in stale))
        raise click.exceptions.Exit(1)


def _render(s: SourceStatus) -> str:
    state = "STALE" if s.stale else "ok"
    lines = [f"{s.name}  schedule {s.schedule}  {state}"]
    last = s.last_run
    if last is None:
        lines.append("  last run    never")
    else:
        end = format_time(last.finished_at) if last.finished_at else "…"
        lines.append(f"  last run    #{last.id} {last.status} ({last.trigger}) "
                     f"{format_time(last.started_at)} → {end}: "
                     f"{last.pages_ok} ok, {last.pages_failed} failed")
    if s.last_completed is not None and (last is None or s.last_completed.id != last.id):
        lines.append(f"  completed   {format_time(s.last_completed.finished_at)} (run "
                     f"#{s.last_completed.id})")
    if s.stale and not s.known:
        lines.append("  stale       never ran")
    elif s.stale_since is not None:
        lines.append(f"  stale       since {format_time(s.stale_since)} (no completed run "
                     f"within 2 × {s.schedule})")
    if not s.due:
        lines.append(f"  next run    {format_time(s.next_run)} "
                     f"(in {human_duration((s.next_run - s.now).total_seconds())})")
    elif s.last_run is None:
        lines.append("  next run    due now (never ran)")
    else:
        lines.append(f"  next run    due since {format_time(s.next_run)} "
                     f"({human_duration((s.now - s.next_run).total_seconds())} ago)")
    lines.append(f"  pages       {s.pages} watched, {len(s.failing)} failing, {s.gone} gone")
    for page in s.failing[:MAX_FAILING_LISTED]:
        since = page.failing_since or s.now
        lines.append(f"    {page.url}  failing since {format_time(since)} "
                     f"({human_duration((s.now - since).total_seconds())}, "
                     f"{page.fail_count} check{'s' if page.fail_count != 1 else ''}): "
                     f"{shorten(page.last_error, 100)}")
    if len(s.failing) > MAX_FAILING_LISTED:
        lines.append(f"    … and {len(s.failing) - MAX_FAILING_LISTED} more (--json lists all)")
    return "\n".join(lines)


COMMANDS = [status]
