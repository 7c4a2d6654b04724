"""SSRF guard: outbound calls made for users never reach private networks unless allowed.

Checked after DNS resolution (every address a name resolves to must be public) and again on
every redirect hop, so a public name pointing inwards or a redirect to 169.254.169.254 fails.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from flowauto.domain.step_failure import StepFailure

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressGuard:
    """`allowed` holds host names, addresses or networks (CIDR) that may be private."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self._hosts: set[str] = set()
        self._networks: list[IpNetwork] = []
        for entry in allowed:
            try:
                self._networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                self._hosts.add(entry.strip().lower())

    async def check(self, url: str) -> None:
        """Raises StepFailure when the URL is not http(s) or reaches a refused address."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StepFailure(f"url {url!r} must be an absolute http or https URL")
        host = parts.hostname.lower()
        if host in self._hosts:
            return
        for address in await _resolve(host, parts.port or (443 if parts.scheme == "https" else 80)):
            if _is_internal(address) and not any(address in net for net in self._networks):
                raise StepFailure(
                    f"url {url!r} reaches {address}, a private address; "
                    "allow it with FLOWAUTO_HTTP__ALLOW_HOSTS"
                )


async def _resolve(host: str, port: int) -> list[IpAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise StepFailure(f"host {host!r} cannot be resolved: {exc.strerror}") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def _is_internal(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )
