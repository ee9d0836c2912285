"""Site profiles by spider kind (see :mod:`pipeline.sites.base`); importing this package registers
every site family."""

from __future__ import annotations

from pipeline.sites import undp, unesco, unicef
from pipeline.sites.base import SiteProfile, site_profile

__all__ = ["SiteProfile", "site_profile", "undp", "unesco", "unicef"]
