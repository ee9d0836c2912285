"""The built-in watchlist: the real pages profilewatch was started for (``../shared/seeds``).

Used when there is no config file. Plain data (the same shape as a TOML ``[[source]]``), validated by
:mod:`profilewatch.config.load` like any user config.

- UNESCO PEER: the two seed profiles, and through the ``unesco`` spider every theme profile of
  Azerbaijan and Kazakhstan (theme tabs) with their language versions (hreflang);
- UNICEF Azerbaijan: the "Inclusive Education" page and its Azerbaijani version;
- UN in Azerbaijan: the seed press release, which lives on the UN Country Team site, not undp.org
  (``../shared/sites/README.md`` §3); the ``undp`` spider reads both sites;
- Caucasus Network for Children: the seed news page (no site spider: ``generic``).
"""

from __future__ import annotations

from typing import Any

BUILTIN_SOURCES: tuple[dict[str, Any], ...] = (
    {
        "name": "unesco-peer",
        "spider": "unesco",
        "documents": True,      # watch the reports and plans the pages link (issue 15)
        "organisation": "UNESCO",
        "urls": [
            "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology",
            "https://education-profiles.org/central-and-southern-asia/kazakhstan/~inclusion",
        ],
        "countries": ["azerbaijan", "kazakhstan"],
        "schedule": "1d",
    },
    {
        "name": "unicef-azerbaijan",
        "spider": "unicef",
        "documents": True,      # watch the reports and plans the pages link (issue 15)
        "organisation": "UNICEF",
        "urls": ["https://www.unicef.org/azerbaijan/inclusive-education"],
        "schedule": "1d",
    },
    {
        "name": "un-azerbaijan",
        "spider": "undp",
        "documents": True,      # watch the reports and plans the pages link (issue 15)
        "organisation": "United Nations in Azerbaijan",
        "urls": [
            "https://azerbaijan.un.org/en/127239-eu-funded-inclusive-vocational-arts-and-crafts-"
            "training-centre-successfully-relocated-bakus",
        ],
        "schedule": "1d",
    },
    {
        "name": "caucasus-children",
        "spider": "generic",
        "organisation": "Caucasus Network for Children",
        "urls": ["http://caucasuschildren.net/the-public-was-informed-about-the-activities-of-cnc"],
        "schedule": "1d",
    },
)
