"""``profilewatch demo``: watch the bundled sample pages change, in a throw-away store."""

from __future__ import annotations

import click

from profilewatch.cli.app import App, pass_app


@click.command()
@click.option("--keep", is_flag=True, help="Keep the temporary store and config (path printed).")
@click.option("--notify", "notify", multiple=True, metavar="URL",
              help="Also send the run reports to this Apprise URL (repeatable).")
@pass_app
def demo(app: App, keep: bool, notify: tuple[str, ...]) -> None:
    """Serve the sample pages on 127.0.0.1, run a few cycles while they change, and print the
    change report, a diff and a citation (nothing touches the real sites or your store)."""
    from profilewatch.demo import run_demo

    run_demo(click.echo, keep=keep, notify=notify)


COMMANDS = [demo]
