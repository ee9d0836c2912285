"""The citable archive on the command line: ``cite``, ``serve``, ``export``, ``verify``."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from profilewatch import __version__
from profilewatch.citation import STYLES, cite
from profilewatch.cli.app import App, pass_app
from profilewatch.cli.output import notice, print_json
from profilewatch.cli.query import _history, _version
from profilewatch.errors import NotFoundError, ProfilewatchError, UsageError

logger = logging.getLogger(__name__)


def _public_url(app: App) -> str | None:
    try:
        return app.config.serve.public_url
    except ProfilewatchError:  # a broken config must not stop a citation of the archive
        return None


@click.command(name="cite")
@click.argument("url")
@click.option("--at", metavar="TIME", help="Cite the version live at TIME (default: the latest).")
@click.option("--version", "number", type=int, metavar="N", help="Cite version N.")
@click.option("--style", type=click.Choice(STYLES), default="apa", show_default=True)
@pass_app
def cite_command(app: App, url: str, at: str | None, number: int | None, style: str) -> None:
    """A citation of a page as archived: APA, MLA, Chicago, BibLaTeX or CSL-JSON.

    The archived (memento) URL is included when ``[serve] public_url`` is configured.
    """
    version = _version(app, url, number, at)
    click.echo(cite(version, style, _public_url(app), app.store()))


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket, or one clear error (address in use, unknown host)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"cannot serve on {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def server_class(base: type[Any]) -> type[Any]:
    """uvicorn's server, except that SIGINT/SIGTERM end the command cleanly (exit 0): uvicorn
    re-raises the signal after its graceful shutdown, which click would report as "Aborted!"."""

    class ArchiveServer(base):
        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                try:
                    yield
                finally:
                    self._captured_signals.clear()

    return ArchiveServer


@click.command()
@click.option("--host", metavar="HOST", help="Interface to bind (default [serve] host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), metavar="PORT",
              help="Port (default [serve] port, 8080; 0 picks a free one).")
@pass_app
def serve(app: App, host: str | None, port: int | None) -> None:
    """HTTP API, web UI and Memento TimeGate/TimeMap over the archive.

    Read-only unless ``[serve] token`` (or env PROFILEWATCH_TOKEN) is set: then the write endpoints
    (add/remove a page, start a run, resend a report) take it as a bearer token.
    """
    import uvicorn

    from profilewatch.web.admin import AdminSettings
    from profilewatch.web.app import create_app

    settings = app.config.serve
    if not app.store_exists():
        raise NotFoundError(f"no archive at {app.db_url}: run `profilewatch run` first")
    host = host or settings.host
    port = settings.port if port is None else port
    sock = bind_socket(host, port)
    bound = sock.getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    web = create_app(app.store(), public_url=settings.public_url,
                     admin_settings=AdminSettings(app.config, app.db_url))
    if host not in ("127.0.0.1", "localhost", "::1"):
        notice(f"serving on {host}: the archive is readable by anyone who can reach it")
        if settings.token:
            notice("the bearer token travels in clear over plain HTTP: put a TLS proxy in front")
    notice(f"serving http://{shown}:{bound[1]}/ (Ctrl-C to stop)")
    notice("write endpoints enabled (bearer token required)" if settings.token
           else "read-only: no [serve] token, write endpoints disabled")
    config = uvicorn.Config(web, log_config=None, access_log=app.verbosity > 0,
                            server_header=False, proxy_headers=False)
    server_class(uvicorn.Server)(config).run(sockets=[sock])
    notice("stopped")


@click.command()
@click.option("--warc", "warc_path", required=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Output file; FILE.warc.gz compresses each record.")
@click.option("--url", "urls", multiple=True, metavar="URL", help="Only this page (repeatable).")
@pass_app
def export(app: App, warc_path: Path, urls: tuple[str, ...]) -> None:
    """Export captures as a WARC 1.1 file (request, response or revisit, metadata per version)."""
    from profilewatch.warc import export_warc

    for url in urls:
        _history(app, url)          # unknown pages fail before any file is written
    if not app.store_exists():
        raise NotFoundError(f"no archive at {app.db_url}: nothing to export")
    if not warc_path.parent.exists():
        raise UsageError(f"cannot write {warc_path}: directory {warc_path.parent} does not exist")
    try:
        user_agent = app.config.settings.user_agent
    except ProfilewatchError:    # a broken config must not stop an export of the archive
        user_agent = f"profilewatch/{__version__}"
    try:
        stats = export_warc(app.store(), warc_path, urls or None, user_agent=user_agent)
    except OSError as exc:
        raise UsageError(f"cannot write {warc_path}: {exc.strerror or exc}") from None
    requisites = f" and {stats.requisites} requisites" if stats.requisites else ""
    pruned = f"; {stats.pruned} pruned captures left out" if stats.pruned else ""
    notice(f"wrote {warc_path}: {stats.versions} captures of {stats.pages} pages{requisites} "
           f"({stats.responses} responses, {stats.revisits} revisits){pruned}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="The mismatches as a JSON array.")
@pass_app
def verify(app: App, as_json: bool) -> None:
    """Recompute every stored digest and hash chain; exit 1 listing each mismatch."""
    if not app.store_exists():
        raise NotFoundError(f"no archive at {app.db_url}: nothing to verify")
    report = app.store().verify()
    if as_json:
        print_json([m.as_json() for m in report.mismatches])
    else:
        for mismatch in report.mismatches:
            click.echo(mismatch.line())
    summary = (f"checked {report.blobs} blobs and {report.versions} versions of {report.pages} "
               "pages")
    if report.pruned:
        summary += (f" ({report.pruned} pruned captures: their text and hash chain checked, "
                    "their raw body dropped by `prune`)")
    if report.ok:
        notice(f"{summary}: all digests and hash chains match")
        return
    notice(f"{summary}: {len(report.mismatches)} mismatch(es)")
    click.get_current_context().exit(1)


COMMANDS = [cite_command, serve, export, verify]
