"""Which URLs a source may fetch: the address rules (SSRF), as plain functions.

The operator's config is the only source of trust; pages, redirects and links are not. In order:

1. only ``http`` and ``https`` (``file:``, ``data:``, ``ftp:``, ``javascript:``, ``gopher:`` … are
   refused), with a host and without user info;
2. an origin written in the source's config is trusted as written, whatever its address
   (``http://127.0.0.1:8123/`` in ``urls`` is how tests and site replicas run): the host and port
   of each configured URL (``urls`` and ``sitemaps``), and each ``allowed_domains`` entry on the
   default ports;
3. any other URL must be on one of the source's hosts — a configured URL's host, an
   ``allowed_domains`` entry or a subdomain of one, the other name of a host known to serve the
   same site (``pipeline.urls.HOST_ALIASES``) or its ``www.`` twin — else it is refused;
4. and every address its host resolves to must be public: a loopback, private, link-local,
   shared (CGNAT), multicast, reserved or unspecified address is refused, IPv4-mapped and 6to4
   IPv6 forms included; so is a host that does not resolve. Numeric spellings such as
   ``2130706433`` or ``0x7f.1`` are whatever the resolver makes of them (127.0.0.1).

So a redirect from a replica on ``127.0.0.1:8000`` to ``127.0.0.1:6379`` is refused (not the
written origin, and a loopback address), and so is a link to a public-looking name that resolves
to ``169.254.169.254``.

:func:`url_refusal` applies all four with a resolver passed in (the HTTP API checks URLs added
to a watchlist with it). The crawler splits them: :func:`hop_refusal` (rules 1-3, no I/O) for
every request, and :func:`resolution_refusal` (rule 4) inside its name resolver, on the addresses
the connection will actually use, so DNS rebinding between a check and the connect cannot slip
through (see ``crawler.guard``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.urls import HOST_ALIASES

Resolver = Callable[[str], Sequence[str]]
SCHEMES = {"http": 80, "https": 443}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Origin = tuple[str, int]


def normal_host(host: str) -> str:
    """A host name compared with others: lower case, no trailing dot, no IPv6 brackets, IDNA
    (punycode) form. Raises ``ValueError`` for a name IDNA cannot encode."""
    host = host.strip().strip("[]").lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise ValueError(f"invalid host name {host!r}") from None


def _twins(host: str) -> set[str]:
    """Other names of ``host`` that serve the same site: known aliases and the www. twin."""
    if "." not in host or _is_address(host):
        return set()
    names = {host[4:] if host.startswith("www.") else f"www.{host}"}
    for alias, canonical in HOST_ALIASES.items():
        if host == alias:
            names.add(canonical)
        if host == canonical:
            names.add(alias)
    return names


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """The hosts one source may reach (built from its config by :meth:`for_source`)."""

    origins: frozenset[Origin]            # (host, port) trusted as written
    hosts: frozenset[str]                 # hosts a URL may be on (configured hosts and twins)
    domains: frozenset[str]               # allowed_domains (their subdomains too)

    @classmethod
    def for_source(cls, urls: Iterable[str], allowed_domains: Iterable[str] = ()) -> HostPolicy:
        origins: set[Origin] = set()
        hosts: set[str] = set()
        for url in urls:
            try:
                parts = urlsplit(url)
                scheme = parts.scheme.lower()
                if scheme not in SCHEMES or not parts.hostname:
                    continue
                host = normal_host(parts.hostname)
                origins.add((host, parts.port or SCHEMES[scheme]))
            except ValueError:
                continue
            hosts.add(host)
            hosts |= _twins(host)
        domains = {normal_host(d) for d in allowed_domains if d.strip()}
        origins.update((d, port) for d in domains for port in SCHEMES.values())
        return cls(frozenset(origins), frozenset(hosts), frozenset(domains))

    def allows_host(self, host: str) -> bool:
        return host in self.hosts or any(host == d or host.endswith("." + d) for d in self.domains)

    def trusts(self, host: str, port: int) -> bool:
        """Whether ``host:port`` is an origin trusted as written (reachable at any address)."""
        return (normal_host(host), port) in self.origins


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def address_problem(address: str) -> str | None:
    """What is wrong with fetching from ``address`` (``"loopback"``, ``"private"`` …), or None
    for a public address. An unparsable address is ``"invalid"``."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "invalid"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            ip = embedded
    checks = (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
              ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
              ("private", ip.is_private), ("reserved", ip.is_reserved),
              ("non-public", not ip.is_global))
    for name, hit in checks:
        if hit:
            return name
    return None


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _parts(url: str) -> tuple[str, str, int] | str:
    """``(scheme, host, port)`` of a URL that may be fetched at all (rule 1), else why not."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "not a valid URL"
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        return f"{scheme or 'a relative'} URL: only http and https pages are fetched"
    if not parts.hostname:
        return "the URL has no host"
    if "@" in parts.netloc:
        return "URL with user info (user:password@)"
    try:
        host = normal_host(parts.hostname)
    except ValueError as exc:
        return str(exc)
    return scheme, host, port or SCHEMES[scheme]


def hop_refusal(url: str, policy: HostPolicy) -> str | None:
    """Rules 1-3: why ``url`` must not be requested, or None. A URL this lets through that is not
    a trusted origin still needs public addresses (:func:`resolution_refusal`)."""
    parts = _parts(url)
    if isinstance(parts, str):
        return parts
    _, host, port = parts
    if (host, port) in policy.origins or policy.allows_host(host):
        return None
    return f"host {host} is not one of this source's hosts (its urls and allowed_domains)"


def resolution_refusal(host: str, addresses: Sequence[str]) -> str | None:
    """Rule 4: why a host that resolves to ``addresses`` must not be connected to, or None."""
    if not addresses:
        return f"host {host} does not resolve"
    for address in addresses:
        problem = address_problem(address)
        if problem is not None:
            return f"host {host} resolves to {_article(problem)} {problem} address ({address})"
    return None


def url_refusal(url: str, policy: HostPolicy, resolve: Resolver) -> str | None:
    """Why ``url`` must not be fetched under ``policy`` (one line), or None (see the module
    docstring for the rules, in order). Trusted origins are never resolved."""
    refusal = hop_refusal(url, policy)
    if refusal is not None:
        return refusal
    parts = _parts(url)
    assert not isinstance(parts, str)
    _, host, port = parts
    if (host, port) in policy.origins:
        return None
    try:
        addresses = [str(ipaddress.ip_address(host))]     # a literal address is what it says
    except ValueError:
        try:
            addresses = list(resolve(host))
        except (OSError, UnicodeError):
            addresses = []
    return resolution_refusal(host, addresses)


def system_resolver(host: str) -> list[str]:
    """Every address ``host`` resolves to (the system resolver: /etc/hosts, DNS)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))
