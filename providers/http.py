"""The one HTTP client the adapters use: it refuses, at call time, to connect to an address
that is not public.

Settings are checked when a connection is saved (``settings.url``), but a vendor controls its
DNS: a public name can resolve to 127.0.0.1, a private range or the cloud metadata address
later (or only for Parity's resolver). So every connection resolves the name itself, refuses
when *any* address it resolves to is not global, and connects to the address it checked —
never resolving twice, so a second answer cannot swap in another address (DNS rebinding).
TLS still verifies the certificate against the name.

Off when ``PARITY_PROVIDERS_ALLOW_HTTP=1`` (local development and the test suite, where
vendor stand-ins listen on loopback). Behind an egress proxy, the proxy is the address
checked; the proxy must then enforce the same rule.
"""
from __future__ import annotations

import ipaddress
import socket
from typing import Mapping

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util.connection import create_connection

ALLOW_ENV = "PARITY_PROVIDERS_ALLOW_HTTP"


class RefusedAddress(requests.ConnectionError):
    """The name resolves to an address Parity will not call."""


def public_addresses(host: str, port: int) -> list[tuple]:
    """``getaddrinfo`` results for host, or ``RefusedAddress`` if any is not global."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not ip.is_global or (ip.version == 6 and ip.ipv4_mapped and not ip.ipv4_mapped.is_global):
            raise RefusedAddress(f"{host} resolves to {ip}, which is not a public address")
    if not infos:
        raise RefusedAddress(f"{host} does not resolve")
    return infos


class _Guarded:
    def _new_conn(self) -> socket.socket:
        try:
            infos = public_addresses(self._dns_host, self.port)
        except RefusedAddress as e:
            raise NewConnectionError(self, str(e)) from None
        except OSError as e:
            raise NewConnectionError(self, f"cannot resolve {self._dns_host}: {e}") from None
        last = None
        for *_, sockaddr in infos:
            try:
                return create_connection(sockaddr[:2], self.timeout, source_address=self.source_address,
                                         socket_options=self.socket_options)
            except OSError as e:
                last = e
        raise NewConnectionError(self, f"cannot connect to {self._dns_host}: {last}")


class _HTTP(_Guarded, HTTPConnection):
    pass


class _HTTPS(_Guarded, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPS


class _PublicOnly(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def session(env: Mapping[str, str]) -> requests.Session:
    """A requests session for calls to a vendor: public addresses only, unless the
    development switch is on in ``env``."""
    s = requests.Session()
    if env.get(ALLOW_ENV) != "1":
        guarded = _PublicOnly()
        s.mount("https://", guarded)
        s.mount("http://", guarded)
    return s


def refused(error: Exception) -> bool:
    """Whether a requests error is this module refusing a non-public address."""
    return "which is not a public address" in str(error)
