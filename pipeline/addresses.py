"""Which URLs a source may fetch: the address rules of issue 8 (SSRF), as one pure function.

:func:`url_refusal` says why a URL must not be fetched for a source, or ``None``:

1. only ``http`` and ``https`` (``file:``, ``data:``, ``ftp:``, ``javascript:``, ``gopher:`` … are
   refused), with a host;
2. an origin written in the source's config is trusted as written, whatever its address
   (``http://127.0.0.1:8123/`` in ``urls`` is how tests and site replicas run): the host and port
   of each configured URL, and each ``allowed_domains`` entry on the default ports;
3. any other URL must be on one of the source's hosts (a configured URL's host, an
   ``allowed_domains`` entry or a subdomain of one), else it is refused;
4. and every address its host resolves to must be public: a loopback, private, link-local,
   shared (CGNAT), multicast, reserved or unspecified address is refused, IPv4-mapped and 6to4
   IPv6 forms included; so is a host that does not resolve. Numeric spellings such as
   ``2130706433`` or ``0x7f.1`` are whatever the resolver makes of them (127.0.0.1).

No I/O here: the caller passes the resolver (:func:`system_resolver` in production, a table in
tests). Checking before the connection does not stop DNS rebinding between the check and the
fetch; the crawler checks the address it actually connects to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

Resolver = Callable[[str], Sequence[str]]
SCHEMES = {"http": 80, "https": 443}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def normal_host(host: str) -> str:
    """A host name compared with others: lower case, no trailing dot, IDNA (punycode) form.

    Raises ``ValueError`` for a name IDNA cannot encode."""
    host = host.strip().lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise ValueError(f"invalid host name {host!r}") from None


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """The hosts one source may reach (built from its config by :meth:`for_source`)."""

    origins: frozenset[tuple[str, int]]   # (host, port) trusted as written
    hosts: frozenset[str]                 # the hosts of the configured URLs
    domains: frozenset[str]               # allowed_domains (their subdomains too)

    @classmethod
    def for_source(cls, urls: Iterable[str], allowed_domains: Iterable[str] = ()) -> HostPolicy:
        origins: set[tuple[str, int]] = set()
        hosts: set[str] = set()
        for url in urls:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme not in SCHEMES or not parts.hostname:
                continue
            host = normal_host(parts.hostname)
            hosts.add(host)
            origins.add((host, parts.port or SCHEMES[scheme]))
        domains = {normal_host(d) for d in allowed_domains if d.strip()}
        origins.update((d, port) for d in domains for port in SCHEMES.values())
        return cls(frozenset(origins), frozenset(hosts), frozenset(domains))

    def allows_host(self, host: str) -> bool:
        return host in self.hosts or any(host == d or host.endswith("." + d) for d in self.domains)


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


def url_refusal(url: str, policy: HostPolicy, resolve: Resolver) -> str | None:
    """Why ``url`` must not be fetched under ``policy`` (one line), or None (see the module
    docstring for the rules, in order)."""
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
    try:
        host = normal_host(parts.hostname)
    except ValueError as exc:
        return str(exc)
    if (host, port or SCHEMES[scheme]) in policy.origins:
        return None
    if not policy.allows_host(host):
        return f"host {host} is not one of this source's hosts (its urls and allowed_domains)"
    try:
        addresses = [str(ipaddress.ip_address(host))]     # a literal address is what it says
    except ValueError:
        try:
            addresses = list(resolve(host))
        except (OSError, UnicodeError):
            addresses = []
    if not addresses:
        return f"host {host} does not resolve"
    for address in addresses:
        problem = address_problem(address)
        if problem is not None:
            return f"host {host} resolves to a {problem} address ({address})"
    return None


def system_resolver(host: str) -> list[str]:
    """Every address ``host`` resolves to (the system resolver: /etc/hosts, DNS)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))
