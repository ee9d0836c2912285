"""URL normalisation: one page is one page.

The same page is linked under many spellings: ``HTTP://WWW.Unicef.org/azerbaijan/stories/x/``,
``https://www.unicef.org/azerbaijan/stories/x?utm_source=facebook#share`` … Two functions give
one answer for all of them:

- :func:`normalize_url` — the form a *discovered* page is stored and fetched under: scheme and host
  lower-cased, the site's canonical host for hosts known to answer under two names (www/non-www),
  https for hosts known to serve it, default port, dot segments, fragment, tracking parameters and
  the trailing slash removed, percent-encoding and query order normalised (w3lib);
- :func:`page_key` — identity: the normalised URL without its scheme (http and https of one host
  and path are the same page everywhere in practice). Used to compare a discovered link with the
  pages a source already watches.

Configured URLs are never rewritten: events stay keyed by the URL as written in the config
(``docs/cli.md``, "Event kinds"); normalisation only decides whether a link *is* one of them.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only say where a visitor came from (campaign and click trackers of Google,
# Facebook, Microsoft, Mailchimp, Matomo, HubSpot …): never part of a page's identity.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "ref_src", "ref_url",
    "oly_anon_id", "oly_enc_id", "vero_id", "mkt_tok",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

# Hosts the watched sites answer under twice (``../shared/sites/README.md``): alias → the host pages
# are kept under. Only hosts known to serve identical pages under both names are listed: folding
# www/non-www in general would merge sites that differ.
HOST_ALIASES = {
    "www.education-profiles.org": "education-profiles.org",
    "unicef.org": "www.unicef.org",
    "undp.org": "www.undp.org",
    "www.caucasuschildren.net": "caucasuschildren.net",
}
# Hosts known to serve every page over https: an ``http://`` link there is the same page.
HTTPS_HOSTS = frozenset({"education-profiles.org", "www.unicef.org", "www.undp.org",
                         "azerbaijan.un.org"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_host(host: str) -> str:
    """The host name pages of ``host`` are kept under (lower case, known aliases folded)."""
    host = host.lower().rstrip(".")
    return HOST_ALIASES.get(host, host)


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def normalize_url(url: str, base: str | None = None) -> str:
    """The one spelling of a page's URL (see the module docstring); ``base`` resolves relative links.

    Raises ``ValueError`` for what is not an absolute http(s) URL.
    """
    absolute = urljoin(base, url.strip()) if base else url.strip()
    parts = urlsplit(absolute)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    canonical = urlsplit(canonicalize_url(absolute, keep_blank_values=True))
    host = canonical_host(parts.hostname)
    port = parts.port           # ValueError for a malformed port, as documented
    if scheme == "http" and host in HTTPS_HOSTS and port in (None, 80):
        scheme, port = "https", None
    netloc = host if port is None or DEFAULT_PORTS[scheme] == port else f"{host}:{port}"
    path = canonical.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = urlencode([(k, v) for k, v in parse_qsl(canonical.query, keep_blank_values=True)
                       if not is_tracking_param(k)])
    return urlunsplit((scheme, netloc, path, query, ""))


def page_key(url: str) -> str:
    """Identity of a page: its normalised URL without the scheme (``//host/path?query``)."""
    normal = normalize_url(url)
    return normal[normal.index("//"):]


def same_site(url: str, other: str) -> bool:
    """Whether two URLs are on the same host (known aliases folded; a non-default port counts)."""
    def site(text: str) -> tuple[str, int | None]:
        parts = urlsplit(text)
        port = parts.port if parts.port not in DEFAULT_PORTS.values() else None
        return canonical_host(parts.hostname or ""), port

    return site(url) == site(other)


def path_segments(url: str) -> list[str]:
    """The non-empty path segments of ``url`` (percent-encoding kept)."""
    return [s for s in urlsplit(url).path.split("/") if s]
