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

# Each module defines ``COMMANDS``: the click commands it adds.
COMMAND_MODULES = (
    "profilewatch.cli.run",
    "profilewatch.cli.query",
    "profilewatch.cli.report",
    "profilewatch.cli.demo",
    "profilewatch.cli.archive",
    "profilewatch.cli.daemon",
    "profilewatch.cli.status",
    "profilewatch.cli.worker",
    "profilewatch.cli.tables",
    "profilewatch.cli.maintenance",
)


class ProfilewatchGroup(click.Group):
    """Turns expected errors into one line on stderr and the right exit code."""

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


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).COMMANDS:
        cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="profilewatch", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("profilewatch: interrupted", err=True)
        sys.exit(130)
