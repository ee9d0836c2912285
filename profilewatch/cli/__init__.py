"""The ``profilewatch`` command (its reference for users: ``docs/cli.md``)."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from profilewatch import __version__
from profilewatch.cli.app import App
from profilewatch.errors import ProfilewatchError
from profilewatch.logs import configure_logging

# Each module defines ``COMMANDS``: the click commands it adds. A command's module is imported
# only when that command runs (or ``--help`` lists them all): a read command such as ``changes``
# loads neither the crawler (Scrapy, Twisted, trafilatura) nor the scheduler.
COMMAND_MODULES = {
    "profilewatch.cli.run": ("run",),
    "profilewatch.cli.query": ("sources", "changes", "history", "show", "diff"),
    "profilewatch.cli.report": ("report",),
    "profilewatch.cli.demo": ("demo",),
    "profilewatch.cli.archive": ("cite", "serve", "export", "verify"),
    "profilewatch.cli.daemon": ("daemon",),
    "profilewatch.cli.status": ("status",),
    "profilewatch.cli.worker": ("worker", "enqueue"),
    "profilewatch.cli.tables": ("tables",),
    "profilewatch.cli.maintenance": ("copy", "prune"),
}
COMMAND_MODULE = {name: module for module, names in COMMAND_MODULES.items() for name in names}


class ProfilewatchGroup(click.Group):
    """Turns expected errors into one line on stderr and the right exit code; loads each
    command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULE, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULE:
            for command in importlib.import_module(COMMAND_MODULE[cmd_name]).COMMANDS:
                self.add_command(command)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProfilewatchError as exc:
            click.echo(f"profilewatch: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        finally:
            app = ctx.find_object(App)
            if app is not None:
                app.close()


@click.group(cls=ProfilewatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", metavar="PATH", type=click.Path(dir_okay=False),
              help="TOML config (default ./profilewatch.toml, else the built-in watchlist).")
@click.option("--db", "db_option", metavar="URL",
              help="SQLAlchemy URL (default sqlite:///profilewatch.db; env PROFILEWATCH_DB).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Log lines on stderr as text or JSON.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(__version__, prog_name="profilewatch")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db_option: str | None, log_format: str,
        verbose: int, quiet: bool) -> None:
    """Watch education profile pages: detect, classify, archive and cite their changes."""
    verbosity = -1 if quiet else verbose
    configure_logging(log_format, verbosity)
    ctx.obj = App(config_path=config_path, db_option=db_option, log_format=log_format,
                  verbosity=verbosity)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="profilewatch", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("profilewatch: interrupted", err=True)
        sys.exit(130)
