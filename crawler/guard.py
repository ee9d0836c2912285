"""The address rules (``pipeline.addresses``) applied to every request and every name resolution.

Two checks, both before any connection to the refused place is made:

- :class:`AddressGuardMiddleware` (first downloader middleware) applies rules 1-3 to each
  request's URL against its source's config: configured pages, discovered links, robots.txt, and
  every redirect or meta-refresh follow-up (Scrapy sends those through the middlewares again). It
  runs before the robots.txt middleware, so a refused host does not even get its robots.txt asked
  for. A redirect Scrapy will not follow (``Location: file:///etc/passwd``) is refused too, rather
  than left as a bare 30x;
- :class:`GuardedResolver` (the reactor's name resolver) applies rule 4: a host that is not an
  origin trusted as written is not connected to when any of its addresses is not public, so a
  name that looks public but resolves to ``127.0.0.1`` or ``169.254.169.254`` is refused. Checking
  the resolution the connection itself uses leaves no gap between a check and the connect (DNS
  rebinding). :class:`GuardedDownloadHandler` turns such an empty resolution into the refusal.

A refusal raises :class:`AddressRefused`; the spider's errback records it as a failed check whose
reason is the refusal (``refused: host evil.example is not one of this source's hosts …``).

With an HTTP proxy (``http_proxy`` in the environment) the proxy resolves page hosts: rules 1-3
still hold, rule 4 is the proxy's business (the proxy's own origin is trusted).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import getproxies

from scrapy import Request
from scrapy import exceptions as scrapy_exceptions
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver, IHostResolution
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure
from zope.interface import implementer  # type: ignore[import-untyped]

from crawler.politeness import PoliteDownloadHandler
from pipeline.addresses import HostPolicy, Origin, hop_refusal, normal_host, resolution_refusal

# Twisted's DNS error, and Scrapy's wrapping of it (newer Scrapy versions)
DNS_ERRORS: tuple[type[Exception], ...] = tuple(
    {DNSLookupError, getattr(scrapy_exceptions, "CannotResolveHostError", DNSLookupError)})

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# The Scrapy setting that carries the origins trusted as written (every source of the config),
# as "host port" strings.
TRUSTED_ORIGINS_SETTING = "PROFILEWATCH_TRUSTED_ORIGINS"


class AddressRefused(IgnoreRequest):
    """A request the address rules refuse; the message is the failed check's reason."""


def source_policy(source: Any) -> HostPolicy:
    """What a :class:`~profilewatch.config.SourceConfig` may reach: its urls, sitemaps and
    allowed_domains."""
    return HostPolicy.for_source((*source.urls, *source.sitemaps), source.allowed_domains)


def trusted_origins(sources: Iterable[Any]) -> list[str]:
    """Every origin trusted as written by some source, plus the environment's proxies."""
    origins: set[Origin] = set()
    for source in sources:
        origins |= source_policy(source).origins
    for proxy in getproxies().values():
        try:
            parts = urlsplit(proxy if "//" in proxy else f"//{proxy}")
            if parts.hostname:
                origins.add((normal_host(parts.hostname), parts.port or 80))
        except ValueError:
            continue
    return sorted(f"{host} {port}" for host, port in origins)


class AddressGuardMiddleware:
    """Refuse requests the source's config does not allow (see :mod:`pipeline.addresses`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._policy: HostPolicy | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    @property
    def policy(self) -> HostPolicy | None:
        if self._policy is None:
            source = getattr(self.crawler.spider, "source", None)
            if source is not None:
                self._policy = source_policy(source)
        return self._policy

    def process_request(self, request: Request) -> None:
        policy = self.policy
        reason = hop_refusal(request.url, policy) if policy is not None else \
            "no address rules for this spider"
        if reason is not None:
            self._refuse(request, reason)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in REDIRECT_STATUSES and self.policy is not None:
            location = response.headers.get(b"Location")
            if location:
                target = urljoin(request.url, location.decode("latin-1").strip())
                reason = hop_refusal(target, self.policy)
                if reason is not None:
                    self._refuse(request, reason, target)
        return response

    def _refuse(self, request: Request, reason: str, target: str | None = None) -> None:
        hop = "redirect" if request.meta.get("redirect_urls") or target else "request"
        logger.info("%s to %s refused: %s", hop, target or request.url, reason)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("guard/refused")
        raise AddressRefused(f"refused: {reason}")


def system_lookup(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives ``host`` (blocking: runs in a thread)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# The lookup the resolver calls; a test can map names to addresses here (no production switch).
LOOKUP: Callable[[str, int], list[str]] = system_lookup
# Why each refused origin was refused, for :class:`GuardedDownloadHandler` (reactor thread only).
REFUSALS: dict[Origin, str] = {}


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Lookups run to completion in a thread; a cancelled one is simply ignored."""


@implementer(IHostnameResolver)
class GuardedResolver:
    """The reactor's name resolver: the system's answers, minus the addresses a name may not use."""

    def __init__(self, reactor: Any, trusted: Iterable[Origin] = ()) -> None:
        self.reactor = reactor
        self.trusted = frozenset((normal_host(host), port) for host, port in trusted)

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        origins = [item.rsplit(" ", 1) for item in crawler.settings.getlist(TRUSTED_ORIGINS_SETTING)]
        return cls(reactor, [(host, int(port)) for host, port in origins])

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(self, resolutionReceiver: Any, hostName: str,
                        portNumber: int = 0, addressTypes: Sequence[type[Any]] | None = None,
                        transportSemantics: str = "TCP") -> Any:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        deferred = deferToThreadPool(self.reactor, self.reactor.getThreadPool(), _addresses,
                                     hostName, portNumber)
        deferred.addCallbacks(self._resolved, self._failed,
                              callbackArgs=(resolutionReceiver, hostName, portNumber, addressTypes),
                              errbackArgs=(resolutionReceiver, hostName))
        return resolution

    def _resolved(self, addresses: list[str], receiver: Any, host: str,
                  port: int, types: Sequence[type[Any]] | None) -> None:
        origin = (normal_host(host), port)
        reason = None
        if addresses and origin not in self.trusted:
            reason = resolution_refusal(origin[0], addresses)
        if reason is not None:
            if origin not in REFUSALS:        # once per origin (its robots.txt comes first)
                logger.warning("not connecting to %s:%s: %s", origin[0], port, reason)
            REFUSALS[origin] = f"refused: {reason}"
            addresses = []
        else:
            REFUSALS.pop(origin, None)
        for address in addresses:
            resolved = (IPv6Address("TCP", address, port) if ":" in address
                        else IPv4Address("TCP", address, port))
            if types is None or type(resolved) in types:
                receiver.addressResolved(resolved)
        receiver.resolutionComplete()

    @staticmethod
    def _failed(failure: Failure, receiver: Any, host: str) -> None:
        logger.debug("cannot resolve %s: %s", host, failure.getErrorMessage())
        receiver.resolutionComplete()


def _addresses(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]   # a literal address is what it says
    except ValueError:
        pass
    return [a.split("%", 1)[0] for a in LOOKUP(host, port)]


class GuardedDownloadHandler(PoliteDownloadHandler):
    """The polite HTTP(S) handler; a name the resolver refused becomes :class:`AddressRefused`."""

    async def download_request(self, request: Request) -> Response:
        try:
            return await super().download_request(request)
        except DNS_ERRORS as exc:
            parts = urlparse_cached(request)
            origin = (normal_host(parts.hostname or ""), parts.port or (443 if parts.scheme == "https"
                                                                        else 80))
            reason = REFUSALS.get(origin)
            if reason is None:
                raise
            raise AddressRefused(reason) from exc
