"""Secrets (issue 8, point 4): notification credentials, the serve token and the cluster database
password are never logged, stored or shown. Everything a run with a secret-bearing config writes is
searched for them: stdout, stderr at -vv in both log formats, every file of the working directory
(the SQLite database and its journal, lock files), every stored blob decompressed, the output of
every listing command, the HTTP API and UI; and config mistakes never echo a secret."""

from __future__ import annotations

import base64
import sqlite3
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from starlette.testclient import TestClient

from profilewatch.cli import cli as root_command
from profilewatch.config import load_config
from profilewatch.errors import ConfigError
from profilewatch.reports import deliver as deliver_module
from profilewatch.web.admin import AdminSettings
from profilewatch.web.app import create_app
from storage.blobstore import read_blob
from storage.store import Store
from tests.conftest import FAST_SETTINGS, Cli, Result
from tests.support.cli import invoke
from tests.support.mockserver import MockServer
from tests.support.sinks import Webhook, free_port

# Every secret of the config below (each long and unique, so a hit is never a coincidence).
HOOK_PW = "hookPw-7f3a91c2e4"            # via ${PW_HOOK_SECRET}
QUERY_SECRET = "qTok-51be07d9aa"          # a GET argument Apprise adds to the webhook URL
DEAD_PW = "deadPw-c0ffee4242"             # a target nobody listens on: the failure path
MAIL_PW = "mailPw-b16b00b5x"              # an SMTP target of the source, also dead
TOKEN = "serveTok-0a1b2c3d4e5f6789"       # via ${PW_SERVE_TOKEN}
CLUSTER_PW = "clusterPw-9e8d7c6b"
SECRETS = (HOOK_PW, QUERY_SECRET, DEAD_PW, MAIL_PW, TOKEN, CLUSTER_PW)
ENV = {"PW_HOOK_SECRET": HOOK_PW, "PW_SERVE_TOKEN": TOKEN}


def spellings(secret: str) -> set[str]:
    """The forms a leaked secret could take: as is, URL-quoted, in a Basic auth header."""
    return {secret, urllib.parse.quote(secret, safe=""),
            base64.b64encode(f"bot:{secret}".encode()).decode(),
            base64.b64encode(f"alerts:{secret}".encode()).decode()}


def assert_no_secret(text: str | bytes, where: str) -> None:
    data = text.encode() if isinstance(text, str) else text
    for secret in SECRETS:
        for form in spellings(secret):
            assert form.encode() not in data, f"{secret} ({form}) leaked in {where}"


def secret_config(base: str, hook_port: int) -> str:
    dead = free_port()
    return (FAST_SETTINGS
            + "[reports]\nnotify = [\n"
            f'  "json://bot:${{PW_HOOK_SECRET}}@127.0.0.1:{hook_port}/hook?-token={QUERY_SECRET}",\n'
            f'  "json://bot:{DEAD_PW}@127.0.0.1:{dead}/hook",\n]\n'
            '[serve]\ntoken = "${PW_SERVE_TOKEN}"\n'
            f'[cluster]\ndatabase_url = "postgresql+psycopg://pw:{CLUSTER_PW}@127.0.0.1:1/pw"\n'
            f'[[source]]\nname = "site"\nurls = ["{base}/secrets/page", "{base}/secrets/missing"]\n'
            f'notify = ["mailto://alerts:{MAIL_PW}@127.0.0.1:{dead}?smtp=127.0.0.1&mode=insecure'
            '&from=profilewatch@example.org&to=team@example.org"]\n')


@dataclass
class Written:
    workdir: Path
    config: Path
    dbs: list[str]
    hook: Webhook
    outputs: dict[str, Result] = field(default_factory=dict)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory,
            mockserver_session: MockServer) -> Iterator[Written]:
    """Two runs of a secret-bearing config (text and JSON logs, both at -vv) into two stores."""
    workdir = tmp_path_factory.mktemp("secrets")
    mockserver_session.page("/secrets/page", "<html><head><title>Plain page</title></head><body>"
                            "<main><h1>Plain page</h1><p>Nothing secret here, only a paragraph "
                            "long enough to be the main text of a page.</p></main></body></html>")
    with Webhook(password="hook-password") as hook:
        config = workdir / "profilewatch.toml"
        config.write_text(secret_config(mockserver_session.url, hook.port), encoding="utf-8")
        found = Written(workdir, config, [], hook)
        runs = {"text": ["-vv"], "json": ["--log-format", "json", "-vv"]}
        runners = []
        for name in runs:
            runner = Cli(workdir, f"sqlite:///{workdir / f'{name}.db'}")
            runner.config = config
            runners.append(runner)
            found.dbs.append(runner.db)
        with ThreadPoolExecutor(2) as pool:        # one store each: the runs do not compete
            results = pool.map(lambda r, o: r(*o, "run", env=ENV), runners, runs.values())
            for name, result in zip(runs, results, strict=True):
                found.outputs[f"run ({name} logs)"] = result
        yield found


def test_a_run_logs_and_stores_no_secret(written: Written) -> None:
    text_run, json_run = written.outputs.values()
    assert text_run.code == 0 and json_run.code == 0, text_run.stderr[-2000:]
    # the runs did the things that handle secrets: a delivery that worked, two that failed
    assert len(written.hook.posts) == 2
    assert "DEBUG" in text_run.stderr and '"level": "debug"' in json_run.stderr
    assert "could not deliver the report to json://bot:****@127.0.0.1:" in text_run.stderr
    assert "mailto://alerts:****@127.0.0.1" in text_run.stderr
    for name, result in written.outputs.items():
        assert_no_secret(result.stdout, f"stdout of {name}")
        assert_no_secret(result.stderr, f"stderr of {name}")
    files = [p for p in written.workdir.rglob("*") if p.is_file() and p != written.config]
    assert any(p.suffix == ".db" for p in files)
    for path in files:
        assert_no_secret(path.read_bytes(), str(path))


def test_the_store_holds_no_secret_even_compressed(written: Written) -> None:
    for db in written.dbs:
        path = db.removeprefix("sqlite:///")
        with sqlite3.connect(path) as connection:
            assert_no_secret("\n".join(connection.iterdump()), f"dump of {path}")
            targets = [row[0] for row in connection.execute("SELECT target FROM deliveries")]
            blobs = [row[0] for row in connection.execute("SELECT sha256 FROM blobs")]
        assert len(targets) == 3 and all("****" in t for t in targets), targets
        store = Store.open(db)
        try:
            with store.session() as session:
                for sha in blobs:
                    assert_no_secret(read_blob(session, sha), f"blob {sha} of {path}")
        finally:
            store.close()


def command_lines(written: Written, url: str) -> list[list[str]]:
    """Every command with a --json option (status, sources, changes, history, verify … as they
    are added), then the reports in every format."""
    lines: list[list[str]] = []
    context = click.Context(root_command)
    for name in root_command.list_commands(context):     # each command's module loads here
        command = root_command.get_command(context, name)
        assert command is not None, name
        if any("--json" in getattr(p, "opts", ()) for p in command.params):
            arguments = [url for p in command.params
                         if isinstance(p, click.Argument) and p.required]
            lines.append([name, *arguments, "--json"])
    assert {"sources", "changes", "history", "verify"} <= {line[0] for line in lines}
    for fmt in ("text", "json", "markdown", "html", "atom"):
        lines.append(["report", "--since", "2000-01-01", "--format", fmt])
    lines += [["report", "--deliveries"], ["report", "--deliveries", "--format", "json"],
              ["show", url, "--format", "json"], ["cite", url], ["run", "--source", "nope"]]
    return lines


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch, root_logging: None) -> None:
    """The CLI run in this process (a command takes milliseconds instead of a second), with the
    secrets in its environment; the logging set-up each command makes is undone afterwards."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("in_process")
def test_no_command_shows_a_secret(written: Written) -> None:
    url = load_config(written.config).sources[0].urls[0]
    outputs = {}
    for line in command_lines(written, url):
        result = invoke(written.dbs[0], written.config, "-vv", *line)
        assert result.exception is None or isinstance(result.exception, SystemExit), line
        assert "Traceback" not in result.stderr, (line, result.stderr)
        assert_no_secret(result.stdout + result.stderr, " ".join(line))
        outputs[" ".join(line)] = result.stdout
    listed = outputs["report --deliveries"]
    assert listed.count("json://bot:****@127.0.0.1:") == 2 and "mailto://alerts:****@" in listed
    assert '"target": "json://bot:****@127.0.0.1:' in outputs["report --deliveries --format json"]


def test_the_api_and_ui_show_no_secret(written: Written, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(deliver_module, "RETRY_DELAY_SECONDS", 0.0)
    config = load_config(written.config)
    assert config.serve.token == TOKEN
    store = Store.open(written.dbs[0])
    url = config.sources[0].urls[0]
    deliveries = store.deliveries()
    app = create_app(store, admin_settings=AdminSettings(config, written.dbs[0]))
    seen: list[str] = []
    try:
        with TestClient(app) as client:
            for path in ("/", "/api/sources", "/api/pages", "/api/events", "/api/runs",
                         "/openapi.json", "/feed.atom", f"/page?url={url}",
                         f"/api/versions?url={url}", f"/api/version?url={url}"):
                response = client.get(path)
                assert response.status_code == 200, path
                seen.append(response.text + str(response.headers))
            wrong = client.post("/api/sources/site/runs", headers={"Authorization": "Bearer x"})
            seen.append(wrong.text + str(wrong.headers))
            auth = {"Authorization": f"Bearer {TOKEN}"}
            for delivery in deliveries:
                response = client.post(f"/api/deliveries/{delivery.id}/resend", headers=auth)
                assert response.status_code in (200, 502), response.text
                assert "****" in response.json()["target"]
                seen.append(response.text + str(response.headers))
    finally:
        store.close()
    for text in seen:
        assert_no_secret(text, "an HTTP answer")


# --- config mistakes next to secrets ----------------------------------------------------------------

SOURCE = "[[source]]\nname = 'a'\nurls = ['https://example.org/']\n"


@pytest.mark.parametrize("text", [
    # broken TOML on, before or after a secret line
    f'[reports]\nnotify = ["json://bot:{HOOK_PW}@h/hook"\n' + SOURCE,           # unclosed array
    f'[reports]\nnotify = ["json://bot:{HOOK_PW}@h/hook]\n' + SOURCE,           # unclosed string
    f'[serve]\ntoken = {TOKEN}\n' + SOURCE,                                       # bare value
    f'[serve]\ntoken = "{TOKEN}" trailing\n' + SOURCE,
    f'[serve]\ntoken = "{TOKEN}"\ntoken = "{TOKEN}x"\n' + SOURCE,                 # duplicate key
    f'[serve]\ntoken = "{TOKEN[:8]}\\q{TOKEN[8:]}"\n' + SOURCE,                  # bad escape
    f'[serve]\ntoken = "{TOKEN[:8]}\x01{TOKEN[8:]}"\n' + SOURCE,                 # control character
    f'[cluster]\ndatabase_url = """postgresql://pw:{CLUSTER_PW}@h/db\n' + SOURCE,
    f'[reports]\nnotify = ["json://bot:{HOOK_PW}@h/hook"]\n[reports]\n' + SOURCE,  # table twice
    f'[serve]\ntoken = "{TOKEN}"\n[[source]]\nname = "a"\nurls = ["https://x.org/"\n',
    # valid TOML, invalid values
    f'[reports]\nnotify = ["json://bot:{HOOK_PW}@h/${{PW_UNSET_VAR}}"]\n' + SOURCE,
    f'[serve]\ntoken = "${{PW_UNSET_VAR}}{TOKEN}"\n' + SOURCE,
    f'[cluster]\ndatabase_url = "postgresql://pw:{CLUSTER_PW}@h/${{PW_UNSET_VAR}}"\n' + SOURCE,
    f'[serve]\npublic_url = "ftp://user:{TOKEN}@archive.example.org/"\n' + SOURCE,
    f'[serve]\npublic_url = "https://user:{TOKEN}@archive.example.org:99999/"\n' + SOURCE,
    f"[[source]]\nname = 'a'\nurls = ['gopher://u:{HOOK_PW}@example.org/']\n",
    f"[[source]]\nname = 'a'\nurls = ['https://example.org/']\nsitemaps = ['x:{HOOK_PW}@y']\n",
    f'[reports]\nnotify = [["json://bot:{HOOK_PW}@h/hook"]]\n' + SOURCE,          # nested list
    f'[reports]\nnotify = {{url = "json://bot:{HOOK_PW}@h/hook"}}\n' + SOURCE,
    f'[reports]\nnotfy = ["json://bot:{HOOK_PW}@h/hook"]\n' + SOURCE,            # misspelt key
    f'[report]\nnotify = ["json://bot:{HOOK_PW}@h/hook"]\n' + SOURCE,            # misspelt table
    f'[reports]\n"json://bot:{HOOK_PW}@h/hook" = true\n' + SOURCE,               # secret as a key
    f'["json://bot:{HOOK_PW}@h/hook"]\n' + SOURCE,
    f'[serve]\ntoken = "{TOKEN[:10]}"\n' + SOURCE,                                # too short
    f'[serve]\ntoken = ["{TOKEN}"]\n' + SOURCE,
    '[serve]\ntoken = "   "\n' + SOURCE,
    f"[[source]]\nname = 'a'\nurls = ['https://example.org/']\nnotify = '{MAIL_PW}' \nx = 1\n",
])
def test_config_mistakes_never_echo_a_secret(tmp_path: Path, text: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PW_UNSET_VAR", raising=False)
    path = tmp_path / "profilewatch.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert_no_secret(message, "the error message")
    for secret in SECRETS:          # nor any long piece of one
        assert not any(secret[i:i + 8] in message for i in range(len(secret) - 7)), message


def test_the_cli_reports_a_config_mistake_without_the_secret(cli: Cli) -> None:
    cli.write_config(f'[serve]\ntoken = "{TOKEN}" oops\n' + SOURCE)
    commands = (["run"], ["serve"], ["sources", "--json"])
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda command: cli(*command), commands))
    for command, result in zip(commands, results, strict=True):
        assert result.code == 2 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and "invalid TOML" in result.stderr
        assert_no_secret(result.stderr, " ".join(command))
    cli.write_config(f'[reports]\nnotify = ["json://bot:{HOOK_PW}@h/${{PW_UNSET_VAR}}"]\n' + SOURCE)
    result = cli("run")
    assert result.code == 2 and "environment variable PW_UNSET_VAR is not set" in result.stderr
    assert_no_secret(result.stderr, "run with an unset variable")
