"""Run ``profilewatch`` with some host names mapped to addresses, like lines of /etc/hosts.

    python -m tests.support.fakedns NAME=ADDRESS [NAME=ADDRESS ...] -- PROFILEWATCH-ARGS

The mapping goes through the seam of the crawler's resolver (``crawler.guard.LOOKUP``): the
address rules see exactly what they would see if the system resolver gave those answers, so a
test can show that a public-looking name resolving to 127.0.0.1 or 169.254.169.254 is refused.
Names not mapped resolve as usual.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    if "--" not in argv:
        raise SystemExit("usage: python -m tests.support.fakedns NAME=ADDRESS ... -- ARGS")
    split = argv.index("--")
    mapping = dict(item.split("=", 1) for item in argv[:split])

    from crawler import guard

    def lookup(host: str, port: int) -> list[str]:
        name = host.lower().rstrip(".")
        if name in mapping:
            return [mapping[name]]
        return guard.system_lookup(host, port)

    guard.LOOKUP = lookup
    from profilewatch.cli import main as profilewatch

    profilewatch(argv[split + 1:])


if __name__ == "__main__":
    main(sys.argv[1:])
