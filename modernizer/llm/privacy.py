"""The privacy guard: code is sent only to a model server on this machine, unless the user names
another one. Loopback addresses and ``localhost`` pass; a host name passes only if every address
it resolves to is loopback; private ranges (10.x, 172.16.x, 192.168.x, link-local) are other
machines."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from modernizer.errors import RemoteEndpointRefused


def is_local_host(host: str) -> bool:
    """Loopback only: private-range addresses are other machines and need --allow-remote."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def check_endpoint_allowed(base_url: str, allow_remote: list[str]) -> None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteEndpointRefused(f"{base_url}: not an http(s) URL", "use e.g. http://127.0.0.1:8000/v1")
    host = parts.hostname
    if is_local_host(host):
        return
    allowed = {h.strip().lower() for h in allow_remote}
    if host.lower() in allowed or "*" in allowed:
        return
    raise RemoteEndpointRefused(
        f"refusing to send code to {base_url}: {host} is not this machine",
        f"modernize keeps your code local by default; pass --allow-remote {host} if that server is yours",
    )
