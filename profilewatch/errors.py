"""Every error profilewatch raises on purpose.

The tree::

    ProfilewatchError                 base; the CLI prints ``str(exc)`` on one line, no traceback
    ├── ConfigError                   bad config file, source or key (exit 2)
    ├── UsageError                    a bad argument on the command line (exit 2)
    ├── NotFoundError                 an unknown page, version or event (exit 1)
    │   └── CapturePruned             the version's raw capture was dropped by ``prune``
    ├── StoreError                    the store cannot be used (exit 1)
    │   ├── StoreUnavailable          cannot connect / open / migrate
    │   └── IntegrityProblem          ``verify`` found a mismatch
    └── LockHeld                      another run of the same source holds the lock (exit 0)

Failed fetches are *not* exceptions: they are data (a failed check with a reason).

Exit statuses of every command, defined once here (the CLI exits with them, the daemon and the
cluster workers read them from their ``profilewatch run`` children, :mod:`scheduler.protocol`).
"""

from __future__ import annotations

from datetime import datetime

EXIT_OK = 0
EXIT_FAILURE = 1        # the store cannot be used, an unknown page … (worth retrying in a cluster)
EXIT_USAGE = 2          # bad config or argument: retrying cannot help
# A cluster batch that could not check its pages (their domain busy, the run interrupted) exits
# with this status (EX_TEMPFAIL of sysexits.h) so that the worker retries the job later.
EXIT_RETRY_LATER = 75


class ProfilewatchError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = EXIT_FAILURE


class ConfigError(ProfilewatchError):
    """The config file (or an option standing in for it) is invalid."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, path: str | None = None, source: str | None = None,
                 key: str | None = None) -> None:
        self.path = path
        self.source = source
        self.key = key
        where = []
        if path:
            where.append(str(path))
        if source:
            where.append(f"source {source!r}")
        if key:
            where.append(f"key {key!r}")
        prefix = ": ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class UsageError(ProfilewatchError):
    """A command-line argument cannot be understood."""

    exit_code = EXIT_USAGE


class NotFoundError(ProfilewatchError):
    """The page, version or event asked for does not exist."""

    exit_code = EXIT_FAILURE


class CapturePruned(NotFoundError):
    """``prune`` dropped this version's raw capture (its text, digests and chain are kept)."""

    def __init__(self, url: str, version: int, pruned_at: datetime) -> None:
        self.url = url
        self.version = version
        self.pruned_at = pruned_at
        super().__init__(f"{url} v{version}: its raw capture was pruned on "
                         f"{pruned_at.strftime('%Y-%m-%d')} (`profilewatch prune`); its text, "
                         "digests and hash chain are kept (`show --format text`)")


class StoreError(ProfilewatchError):
    """The store cannot be used."""

    exit_code = EXIT_FAILURE


class StoreUnavailable(StoreError):
    """The database cannot be opened, reached or migrated."""


class IntegrityProblem(StoreError):
    """A stored digest or hash chain does not match its data."""


class LockHeld(ProfilewatchError):
    """Another process is running the same source."""

    exit_code = EXIT_OK
