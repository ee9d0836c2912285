"""The address rules (``pipeline.addresses``) applied to every request and every name resolution.

Two checks, both before any connection to the refused place is made:

- :class:`AddressGuardMiddleware` (first downloader middleware) checks each request's URL against
  its source's config: configured pages, discovered links, robots.txt, and every redirect or
  meta-refresh follow-up (Scrapy sends those through the middlewares again). It runs before the
  robots.txt middleware, so a refused host does not even get its robots.txt asked for. A redirect
  Scrapy will not follow (``Location: file:///etc/passwd``) is refused too, rather than left as a
  bare 30x;
- :class:`GuardedResolver` (the reactor's name resolver) keeps only public addresses of every name
  not trusted as written, so a name that looks public but resolves to ``127.0.0.1`` or
  ``169.254.169.254`` is never connected to. Filtering the resolution that the connection itself
  uses leaves no gap between a check and the connect (DNS rebinding). :class:`GuardedDownloadHandler`
  turns such an empty resolution into the refusal's reason.

A refusal raises :class:`AddressRefused`; the spider's errback records it as a failed check whose
reason is the refusal (``refused: host evil.example is not in the source's config``).

With an HTTP proxy (``http_proxy`` in the environment) the proxy resolves page hosts: the URL rules
still hold, the address rule is the proxy's business (the proxy's own host is trusted).
"""

from __future__ import annotations

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
from pipeline.addresses import (
    IPAddress,
    Trust,
    normalize_host,
    parse_address,
    resolution_refusal,
    trust_for,
    url_refusal,
)

# Twisted's DNS error, and Scrapy's wrapping of it (newer Scrapy versions)
DNS_ERRORS: tuple[type[Exception], ...] = tuple(
    {DNSLookupError, getattr(scrapy_exceptions, "CannotResolveHostError", DNSLookupError)})

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# The Scrapy setting that carries the hosts trusted as written (every source of the config).
TRUSTED_HOSTS_SETTING = "PROFILEWATCH_TRUSTED_HOSTS"


class AddressRefused(IgnoreRequest):
    """A request the address rules refuse; the message is the failed check's reason."""


def source_trust(source: Any) -> Trust:
    """What a :class:`~profilewatch.config.SourceConfig` trusts: its urls, sitemaps and
    allowed_domains."""
    return trust_for((*source.urls, *source.sitemaps), source.allowed_domains)


def trusted_hosts(sources: Iterable[Any]) -> list[str]:
    """Every host trusted as written by some source, plus the environment's proxy hosts."""
    hosts: set[str] = set()
    for source in sources:
        hosts |= source_trust(source).written
    for proxy in getproxies().values():
        host = urlsplit(proxy if "//" in proxy else f"//{proxy}").hostname
        if host:
            hosts.add(normalize_host(host))
    return sorted(hosts)


class AddressGuardMiddleware:
    """Refuse requests the source's config does not allow (see :mod:`pipeline.addresses`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._trust: Trust | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    @property
    def trust(self) -> Trust | None:
        if self._trust is None:
            source = getattr(self.crawler.spider, "source", None)
            if source is not None:
                self._trust = source_trust(source)
        return self._trust

    def process_request(self, request: Request) -> None:
        trust = self.trust
        reason = url_refusal(request.url, trust) if trust is not None else \
            "refused: no address rules for this spider"
        if reason is not None:
            self._refuse(request, reason)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in REDIRECT_STATUSES and self.trust is not None:
            location = response.headers.get(b"Location")
            if location:
                target = urljoin(request.url, location.decode("latin-1").strip())
                reason = url_refusal(target, self.trust)
                if reason is not None:
                    self._refuse(request, reason, target)
        return response

    def _refuse(self, request: Request, reason: str, target: str | None = None) -> None:
        hop = "redirect" if request.meta.get("redirect_urls") or target else "request"
        logger.info("%s to %s %s", hop, target or request.url, reason)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("guard/refused")
        raise AddressRefused(reason)


def system_lookup(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives ``host`` (blocking: runs in a thread)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# The lookup the resolver calls; a test can map names to addresses here (no production switch).
LOOKUP: Callable[[str, int], list[str]] = system_lookup
# Why each refused name was refused, for :class:`GuardedDownloadHandler` (reactor thread only).
REFUSALS: dict[str, str] = {}


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Lookups run to completion in a thread; a cancelled one is simply ignored."""


@implementer(IHostnameResolver)
class GuardedResolver:
    """The reactor's name resolver: the system's answers, minus the addresses a name may not use."""

    def __init__(self, reactor: Any, trusted: Iterable[str] = ()) -> None:
        self.reactor = reactor
        self.trusted = frozenset(normalize_host(h) for h in trusted)

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        return cls(reactor, crawler.settings.getlist(TRUSTED_HOSTS_SETTING))

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

    def _resolved(self, addresses: list[IPAddress], receiver: Any, host: str,
                  port: int, types: Sequence[type[Any]] | None) -> None:
        allowed, reason = resolution_refusal(host, addresses, self.trusted)
        name = normalize_host(host)
        if reason is not None:
            REFUSALS[name] = reason
            logger.warning("%s", reason)
        else:
            REFUSALS.pop(name, None)
        for address in allowed:
            resolved = (IPv4Address("TCP", str(address), port) if address.version == 4
                        else IPv6Address("TCP", str(address), port))
            if types is None or type(resolved) in types:
                receiver.addressResolved(resolved)
        receiver.resolutionComplete()

    @staticmethod
    def _failed(failure: Failure, receiver: Any, host: str) -> None:
        logger.debug("cannot resolve %s: %s", host, failure.getErrorMessage())
        receiver.resolutionComplete()


def _addresses(host: str, port: int) -> list[IPAddress]:
    literal = parse_address(host)
    if literal is not None:
        return [literal]
    found: list[IPAddress] = []
    for text in LOOKUP(host, port):
        address = parse_address(text)
        if address is not None:
            found.append(address)
    return found


class GuardedDownloadHandler(PoliteDownloadHandler):
    """The polite HTTP(S) handler; a name the resolver refused becomes :class:`AddressRefused`."""

    async def download_request(self, request: Request) -> Response:
        try:
            return await super().download_request(request)
        except DNS_ERRORS as exc:
            reason = REFUSALS.get(normalize_host(urlparse_cached(request).hostname or ""))
            if reason is None:
                raise
            raise AddressRefused(reason) from exc
