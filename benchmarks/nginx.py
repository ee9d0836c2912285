"""The benchmarks' web server: a private nginx serving a directory, checked before any measuring.

Runs from any directory (a fresh ``mkdtemp`` one is 0700): the served tree is made readable and,
when the benchmark runs as root, nginx's workers run as the same user, so they can read it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

INSTALL_HINT = ("benchmark: nginx is needed and was not found on PATH or at /usr/sbin/nginx "
                "(Debian/Ubuntu: apt-get install nginx-light)")

CONF = """
{user}worker_processes 2;
daemon on;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  {access_log}
  keepalive_requests 100000;
  default_type text/html;
  types {{ text/plain txt; text/html html; text/css css; font/woff2 woff2; image/png png;
          image/x-icon ico; }}
  {servers}
}}
"""
# one line per request: when it arrived (seconds, ms resolution), the address asked, the path
LOG_FORMAT = "log_format timing '$msec $server_addr $request_uri $status';"


class ServerProblem(RuntimeError):
    """The benchmark's server does not serve the corpus: one line saying why."""


def find_nginx() -> str | None:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if Path(found).exists() else None


def make_readable(root: Path) -> None:
    """Directories 0755 and files 0644 under ``root`` (``mkdtemp`` makes 0700): nginx's workers
    may run as another user than the one that wrote the corpus."""
    root.chmod(0o755)
    for directory, dirs, files in os.walk(root):
        for name in dirs:
            (Path(directory) / name).chmod(0o755)
        for name in files:
            (Path(directory) / name).chmod(0o644)


class Nginx:
    """nginx serving ``root/www`` on each of ``addresses`` (``host:port``)."""

    def __init__(self, root: Path, addresses: list[str], *, access_log: bool = False) -> None:
        self.root = root
        self.addresses = addresses
        self.access_log = root / "access.log" if access_log else None
        self.binary = find_nginx()

    def start(self) -> None:
        if self.binary is None:
            raise ServerProblem(INSTALL_HINT)
        self.stop()
        make_readable(self.root)
        # as root, nginx's workers would run as nobody/www-data: make them this user instead
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
        servers = "\n  ".join(f"server {{ listen {address}; root {self.root}/www; etag on; }}"
                              for address in self.addresses)
        access = (f"{LOG_FORMAT} access_log {self.access_log} timing;" if self.access_log
                  else "access_log off;")
        conf = self.root / "nginx.conf"
        conf.write_text(CONF.format(user=user, root=self.root, access_log=access, servers=servers))
        done = subprocess.run([self.binary, "-c", str(conf)], check=False, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise ServerProblem(f"benchmark: nginx did not start: {done.stderr.strip()}")

    def stop(self) -> None:
        pid_file = self.root / "nginx.pid"
        if not pid_file.exists():
            return
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGQUIT)
        deadline = time.monotonic() + 5
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def check(self, url: str, expected: bytes) -> None:
        """Fetch one page before measuring: it must be a 200 with the corpus's bytes."""
        deadline = time.monotonic() + 5
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    status, body = response.status, response.read()
                break
            except urllib.error.HTTPError as exc:
                raise ServerProblem(
                    f"benchmark: {url} answered HTTP {exc.code}"
                    + (" (nginx's workers cannot read the served directory?)" if exc.code == 403
                       else "") + f"; see {self.root}/nginx-error.log") from None
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise ServerProblem(f"benchmark: {url} does not answer: {exc}") from None
                time.sleep(0.05)
        if status != 200 or body != expected:
            raise ServerProblem(f"benchmark: {url} answered {status} with {len(body)} bytes, "
                                f"not the corpus page ({len(expected)} bytes)")
