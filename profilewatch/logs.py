"""Logging set-up for the CLI: plain lines or JSON lines on stderr."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

NOISY_LOGGERS = ("scrapy", "twisted", "trafilatura", "htmldate", "filelock", "alembic",
                 "apscheduler", "py.warnings", "asyncio", "charset_normalizer", "courlan")


HANDLER_NAME = "profilewatch"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (+ exception text)."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class LibraryFilter(logging.Filter):
    """Drop library records below ``level`` (Scrapy resets its loggers to DEBUG when it starts,
    so logger levels alone cannot keep it quiet)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= self.level:
            return True
        return not record.name.startswith(NOISY_LOGGERS)


def configure_logging(fmt: str = "text", verbosity: int = 0) -> None:
    """``verbosity``: -1 quiet (errors), 0 warnings, 1 info, 2 debug (also the libraries)."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                               "%Y-%m-%dT%H:%M:%S"))
    handler.set_name(HANDLER_NAME)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == HANDLER_NAME:   # ours from an earlier call; others are kept
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # per-page progress lines ("plain log lines" when not on a terminal) show unless --quiet
    logging.getLogger("profilewatch.run").setLevel(logging.INFO if verbosity >= 0 else logging.ERROR)
    library_level = logging.DEBUG if verbosity >= 2 else max(level, logging.WARNING)
    handler.addFilter(LibraryFilter(library_level))
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
