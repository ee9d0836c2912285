"""Address rules: which URLs and IP addresses a source may reach (the SSRF policy).

The operator's config is the only source of trust; pages, redirects and links are not:

1. a host written in the source's config — the host of one of its ``urls`` or ``sitemaps``, or an
   ``allowed_domains`` entry — is *trusted as written*: it may be reached whatever it resolves to
   (``127.0.0.1`` included: that is how tests and site replicas run);
2. a subdomain of an ``allowed_domains`` entry, or the other name of a host known to serve the same
   site (``pipeline.urls.HOST_ALIASES``), is *allowed by name*: it may be reached only at public
   addresses (checked when the name is resolved, right before connecting);
3. anything else is refused before any connection: another host, a non-http(s) URL (``file:``,
   ``data:``, ``ftp:`` …), user info in the URL, a port the config never names (a redirect from a
   replica on ``127.0.0.1:8000`` to ``127.0.0.1:6379`` is refused), an address literal that is
   not public.

Each refusal is a short reason (``refused: …``) that becomes the failed check's reason. Plain
functions: the crawler glue (``crawler.guard``) applies them to every request and every resolution.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.urls import HOST_ALIASES

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Ports a hop may always use: the web's defaults. Others only when the config writes them.
DEFAULT_PORTS = {"http": 80, "https": 443}
ALLOWED_SCHEMES = frozenset(DEFAULT_PORTS)


@dataclass(frozen=True, slots=True)
class Trust:
    """What one source's config trusts (see the module docstring)."""

    written: frozenset[str]              # hosts trusted as written (normalised)
    domains: frozenset[str] = frozenset()   # allowed_domains: their subdomains are allowed by name
    aliases: frozenset[str] = frozenset()   # other names of written hosts: allowed by name
    ports: frozenset[int] = frozenset(DEFAULT_PORTS.values())   # ports a hop may use

    def trusted(self, host: str) -> bool:
        """Whether ``host`` is trusted as written (reachable at any address)."""
        return normalize_host(host) in self.written

    def allowed_by_name(self, host: str) -> bool:
        """Whether ``host`` may be reached at all (trusted, or allowed at public addresses)."""
        name = normalize_host(host)
        if name in self.written or name in self.aliases:
            return True
        return any(name.endswith("." + domain) for domain in self.domains)


def normalize_host(host: str) -> str:
    """Lower case, no trailing dot, IDNA (punycode) for non-ASCII names, no IPv6 brackets."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return name
    return name


def trust_for(urls: Iterable[str], allowed_domains: Iterable[str] = ()) -> Trust:
    """The trust of a source whose config writes ``urls`` (its urls and sitemaps) and
    ``allowed_domains``."""
    written: set[str] = set()
    ports = set(DEFAULT_PORTS.values())
    for url in urls:
        parts = urlsplit(url)
        if parts.hostname:
            written.add(normalize_host(parts.hostname))
        try:
            if parts.port is not None:
                ports.add(parts.port)
        except ValueError:
            continue
    domains = {normalize_host(d) for d in allowed_domains if d.strip()}
    written |= domains
    aliases: set[str] = set()
    for alias, canonical in HOST_ALIASES.items():
        if alias in written:
            aliases.add(canonical)
        if canonical in written:
            aliases.add(alias)
    return Trust(frozenset(written), frozenset(domains), frozenset(aliases - written),
                 frozenset(ports))


def address_kind(address: IPAddress) -> str | None:
    """``None`` for a public address, else what it is (``loopback``, ``private`` …)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return address_kind(embedded)
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "non-public"      # e.g. 100.64.0.0/10, shared address space of carrier-grade NAT
    return None


def parse_address(host: str) -> IPAddress | None:
    """The IP address ``host`` is written as, if it is an address literal."""
    try:
        return ipaddress.ip_address(normalize_host(host).split("%")[0])
    except ValueError:
        return None


def url_refusal(url: str, trust: Trust) -> str | None:
    """Why ``url`` may not be requested for this source, or ``None`` when it may (by name; the
    address of a host allowed by name is checked at resolution, :func:`resolution_refusal`)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "refused: malformed URL"
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return f"refused: {scheme or 'relative'}: URL (only http and https are fetched)"
    if "@" in parts.netloc:
        return "refused: URL with user info"
    host = normalize_host(parts.hostname or "")
    if not host:
        return "refused: URL without a host"
    if trust.trusted(host):
        return None if port is None or port in trust.ports else \
            f"refused: port {port} of {host} is not in the source's config"
    literal = parse_address(host)
    if literal is not None:
        kind = address_kind(literal)
        if kind is not None:
            return f"refused: {host} is {_article(kind)} {kind} address"
    if not trust.allowed_by_name(host):
        return f"refused: host {host} is not in the source's config"
    if port is not None and port not in trust.ports:
        return f"refused: port {port} of {host} is not in the source's config"
    return None


def resolution_refusal(host: str, addresses: Iterable[IPAddress],
                       trusted: frozenset[str]) -> tuple[list[IPAddress], str | None]:
    """The addresses of ``host`` that may be connected to, and why none may when none may.

    ``trusted`` are hosts trusted as written (any address); every other name keeps only its public
    addresses.
    """
    found = list(addresses)
    if normalize_host(host) in trusted:
        return found, None
    public = [a for a in found if address_kind(a) is None]
    if public:
        return public, None
    if not found:
        return [], None
    first = found[0]
    kind = address_kind(first) or "public"
    return [], f"refused: {normalize_host(host)} resolves to {first}, {_article(kind)} {kind} address"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
